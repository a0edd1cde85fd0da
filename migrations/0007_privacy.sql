CREATE TABLE "privacy_dataset_models" (
	"dataset_id" uuid NOT NULL,
	"model_name" text NOT NULL,
	"version_label" text NOT NULL,
	CONSTRAINT "privacy_dataset_models_pkey" PRIMARY KEY("dataset_id","model_name","version_label")
);
--> statement-breakpoint
CREATE TABLE "privacy_dataset_subjects" (
	"dataset_id" uuid NOT NULL,
	"subject_hash" text NOT NULL,
	CONSTRAINT "privacy_dataset_subjects_pkey" PRIMARY KEY("dataset_id","subject_hash")
);
--> statement-breakpoint
CREATE TABLE "privacy_erasure_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"state" text DEFAULT 'received' NOT NULL,
	"subject" text,
	"subject_hashes" text[] DEFAULT '{}'::text[] NOT NULL,
	"identifier_kinds" text[] DEFAULT '{}'::text[] NOT NULL,
	"channel" text NOT NULL,
	"received_on" date NOT NULL,
	"due_on" date NOT NULL,
	"extended_due_on" date,
	"extension_reason" text,
	"extension_notice_on" date,
	"verification_method" text,
	"verified_at" timestamp (3) with time zone,
	"verified_by" text,
	"discovery" jsonb,
	"discovered_at" timestamp (3) with time zone,
	"discovered_by_id" uuid,
	"approval_requested_by_id" uuid,
	"approved_at" timestamp (3) with time zone,
	"approved_by" text,
	"approved_by_id" uuid,
	"rejected_reason" text,
	"refusals" jsonb,
	"job_id" uuid,
	"evidence" jsonb,
	"evidence_signature" text,
	"completed_at" timestamp (3) with time zone,
	"identifiers_wiped_at" timestamp (3) with time zone,
	"rerun_of" uuid,
	"created_by_id" uuid,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "privacy_erasure_requests_state_known" CHECK ("privacy_erasure_requests"."state" = any(array['received', 'verified', 'discovery', 'awaiting_approval', 'executing', 'verifying', 'completed', 'partially_refused', 'rejected', 'failed']::text[])),
	CONSTRAINT "privacy_erasure_requests_extension_complete" CHECK ("privacy_erasure_requests"."extended_due_on" is null or ("privacy_erasure_requests"."extension_reason" is not null and "privacy_erasure_requests"."extension_notice_on" is not null))
);
--> statement-breakpoint
CREATE TABLE "privacy_erasure_tasks" (
	"request_id" uuid NOT NULL,
	"store_id" uuid NOT NULL,
	"store_name" text NOT NULL,
	"store_kind" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"result" jsonb,
	"remaining" integer,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "privacy_erasure_tasks_pkey" PRIMARY KEY("request_id","store_id"),
	CONSTRAINT "privacy_erasure_tasks_state_known" CHECK ("privacy_erasure_tasks"."state" = any(array['pending', 'running', 'succeeded', 'failed', 'refused']::text[]))
);
--> statement-breakpoint
CREATE TABLE "privacy_model_flags" (
	"request_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"dataset_name" text NOT NULL,
	"model_name" text NOT NULL,
	"version_label" text NOT NULL,
	"decision" text,
	"justification" text,
	"decided_by" text,
	"decided_at" timestamp (3) with time zone,
	CONSTRAINT "privacy_model_flags_pkey" PRIMARY KEY("request_id","dataset_id","model_name","version_label"),
	CONSTRAINT "privacy_model_flags_keep_justified" CHECK ("privacy_model_flags"."decision" is distinct from 'keep' or coalesce(length("privacy_model_flags"."justification"), 0) > 0)
);
--> statement-breakpoint
CREATE TABLE "privacy_datasets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"subject_count" integer DEFAULT 0 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "privacy_holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"ground" text NOT NULL,
	"store_id" uuid,
	"category" text,
	"description" text NOT NULL,
	"expires_on" date,
	"released_at" timestamp (3) with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "privacy_holds_scope" CHECK ("privacy_holds"."store_id" is not null or "privacy_holds"."category" is not null),
	CONSTRAINT "privacy_holds_kind_known" CHECK ("privacy_holds"."kind" = any(array['legal_hold', 'exemption']::text[])),
	CONSTRAINT "privacy_holds_ground_known" CHECK ("privacy_holds"."ground" = any(array['art17_3_a_expression', 'art17_3_b_legal_obligation', 'art17_3_c_public_health', 'art17_3_d_archiving_research', 'art17_3_e_legal_claims', 'litigation_hold']::text[]))
);
--> statement-breakpoint
CREATE TABLE "privacy_stores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"credentials" text,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "privacy_stores_kind_known" CHECK ("privacy_stores"."kind" = any(array['postgres', 'pgvector', 'redis', 'webhook']::text[]))
);
--> statement-breakpoint
CREATE TABLE "privacy_retention_floors" (
	"category" text PRIMARY KEY NOT NULL,
	"min_days" integer NOT NULL,
	"basis" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "privacy_retention_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"category" text NOT NULL,
	"store_id" uuid NOT NULL,
	"tenant" text,
	"max_age_days" integer NOT NULL,
	"action" text NOT NULL,
	"enabled" integer DEFAULT 1 NOT NULL,
	"last_run_at" timestamp (3) with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "privacy_retention_policies_age_positive" CHECK ("privacy_retention_policies"."max_age_days" > 0),
	CONSTRAINT "privacy_retention_policies_action_known" CHECK ("privacy_retention_policies"."action" = any(array['delete', 'anonymise']::text[]))
);
--> statement-breakpoint
CREATE TABLE "privacy_retention_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"policy_id" uuid NOT NULL,
	"job_id" uuid,
	"cutoff" timestamp (3) with time zone NOT NULL,
	"rows" integer DEFAULT 0 NOT NULL,
	"evidence" jsonb,
	"evidence_signature" text,
	"started_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "privacy_webhook_callbacks" (
	"request_id" uuid NOT NULL,
	"store_id" uuid NOT NULL,
	"status" text NOT NULL,
	"records" integer DEFAULT 0 NOT NULL,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "privacy_webhook_callbacks_pkey" PRIMARY KEY("request_id","store_id")
);
--> statement-breakpoint
ALTER TABLE "privacy_dataset_models" ADD CONSTRAINT "privacy_dataset_models_dataset_id_privacy_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."privacy_datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_dataset_subjects" ADD CONSTRAINT "privacy_dataset_subjects_dataset_id_privacy_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."privacy_datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_erasure_tasks" ADD CONSTRAINT "privacy_erasure_tasks_request_id_privacy_erasure_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."privacy_erasure_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_model_flags" ADD CONSTRAINT "privacy_model_flags_request_id_privacy_erasure_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."privacy_erasure_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_holds" ADD CONSTRAINT "privacy_holds_store_id_privacy_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."privacy_stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_retention_policies" ADD CONSTRAINT "privacy_retention_policies_store_id_privacy_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."privacy_stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_retention_runs" ADD CONSTRAINT "privacy_retention_runs_policy_id_privacy_retention_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."privacy_retention_policies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_webhook_callbacks" ADD CONSTRAINT "privacy_webhook_callbacks_request_id_privacy_erasure_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."privacy_erasure_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "privacy_dataset_subjects_hash_idx" ON "privacy_dataset_subjects" USING btree ("subject_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "privacy_erasure_requests_reference_key" ON "privacy_erasure_requests" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "privacy_erasure_requests_state_due_idx" ON "privacy_erasure_requests" USING btree ("state","due_on");--> statement-breakpoint
CREATE INDEX "privacy_erasure_requests_created_idx" ON "privacy_erasure_requests" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "privacy_erasure_requests_hashes_idx" ON "privacy_erasure_requests" USING gin ("subject_hashes");--> statement-breakpoint
CREATE UNIQUE INDEX "privacy_datasets_name_key" ON "privacy_datasets" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "privacy_stores_name_key" ON "privacy_stores" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "privacy_retention_policies_scope_key" ON "privacy_retention_policies" USING btree ("category","store_id",coalesce("tenant", ''));--> statement-breakpoint
CREATE INDEX "privacy_retention_runs_policy_idx" ON "privacy_retention_runs" USING btree ("policy_id","started_at");