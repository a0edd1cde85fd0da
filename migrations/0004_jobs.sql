CREATE TABLE "job_steps" (
	"job_id" uuid NOT NULL,
	"key" text NOT NULL,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"output" jsonb,
	"error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "job_steps_pkey" PRIMARY KEY("job_id","key"),
	CONSTRAINT "job_steps_state_known" CHECK ("job_steps"."state" = any(array['running', 'succeeded', 'failed']::text[]))
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"run_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 5 NOT NULL,
	"lease_owner" text,
	"lease_token" uuid,
	"lease_expires_at" timestamp (3) with time zone,
	"cancel_requested_at" timestamp (3) with time zone,
	"progress_done" bigint,
	"progress_total" bigint,
	"progress_message" text,
	"result" jsonb,
	"last_error" text,
	"dedupe_key" text,
	"owner_type" text,
	"owner_id" text,
	"created_by_id" uuid,
	"created_by" text DEFAULT 'system' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "jobs_state_known" CHECK ("jobs"."state" = any(array['queued', 'running', 'succeeded', 'failed', 'cancelled']::text[])),
	CONSTRAINT "jobs_attempts_valid" CHECK ("jobs"."attempts" >= 0 and "jobs"."max_attempts" >= 1),
	CONSTRAINT "jobs_owner_complete" CHECK (("jobs"."owner_type" is null) = ("jobs"."owner_id" is null)),
	CONSTRAINT "jobs_lease_only_when_running" CHECK ("jobs"."state" = 'running' or ("jobs"."lease_token" is null and "jobs"."lease_expires_at" is null))
);
--> statement-breakpoint
ALTER TABLE "job_steps" ADD CONSTRAINT "job_steps_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_claim_idx" ON "jobs" USING btree ("priority" DESC NULLS LAST,"run_at","id") WHERE state = 'queued';--> statement-breakpoint
CREATE INDEX "jobs_lease_expiry_idx" ON "jobs" USING btree ("lease_expires_at") WHERE state = 'running';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_dedupe_key" ON "jobs" USING btree ("type","dedupe_key") WHERE dedupe_key is not null and state in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "jobs_type_state_idx" ON "jobs" USING btree ("type","state","created_at");--> statement-breakpoint
CREATE INDEX "jobs_owner_idx" ON "jobs" USING btree ("owner_type","owner_id","created_at");--> statement-breakpoint
CREATE INDEX "jobs_created_at_idx" ON "jobs" USING btree ("created_at","id");