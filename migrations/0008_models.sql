CREATE TABLE "model_deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_id" uuid NOT NULL,
	"name" text NOT NULL,
	"namespace" text NOT NULL,
	"tenant" text,
	"engine" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"replicas" integer NOT NULL,
	"gpus_per_replica" integer NOT NULL,
	"gpu_product" text,
	"pool" text,
	"cpu" text NOT NULL,
	"memory" text NOT NULL,
	"stable_version_id" uuid NOT NULL,
	"previous_version_id" uuid,
	"canary_version_id" uuid,
	"canary_weight" integer DEFAULT 0 NOT NULL,
	"canary_replicas" integer DEFAULT 1 NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"removed_at" timestamp (3) with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_deployments_weight_check" CHECK ("model_deployments"."canary_weight" between 0 and 100),
	CONSTRAINT "model_deployments_sizes_check" CHECK ("model_deployments"."replicas" between 1 and 64 and "model_deployments"."gpus_per_replica" between 0 and 16)
);
--> statement-breakpoint
CREATE TABLE "model_evaluations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"value" double precision NOT NULL,
	"dataset" text NOT NULL,
	"evaluated_on" date NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_promotions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"from_stage" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text NOT NULL,
	"requested_by_id" uuid,
	"requested_by_name" text NOT NULL,
	"requested_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"decided_by_id" uuid,
	"decided_by_name" text,
	"decided_at" timestamp (3) with time zone,
	"decision_note" text
);
--> statement-breakpoint
CREATE TABLE "model_rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deployment_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"kind" text NOT NULL,
	"from_version_id" uuid,
	"to_version_id" uuid,
	"canary_weight" integer DEFAULT 0 NOT NULL,
	"reason" text NOT NULL,
	"changes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor_id" uuid,
	"actor_name" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_id" uuid NOT NULL,
	"label" text NOT NULL,
	"artifact_uri" text NOT NULL,
	"format" text NOT NULL,
	"quantization" text NOT NULL,
	"parameter_count" bigint NOT NULL,
	"context_length" integer NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"model_card" text DEFAULT '' NOT NULL,
	"datasets" text[] DEFAULT '{}'::text[] NOT NULL,
	"stage" text DEFAULT 'draft' NOT NULL,
	"stage_changed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_sha256_check" CHECK ("model_versions"."sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "model_versions_positive_check" CHECK ("model_versions"."parameter_count" > 0 and "model_versions"."context_length" > 0 and "model_versions"."size_bytes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"family" text NOT NULL,
	"owner" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"license" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_stable_version_id_model_versions_id_fk" FOREIGN KEY ("stable_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_previous_version_id_model_versions_id_fk" FOREIGN KEY ("previous_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_canary_version_id_model_versions_id_fk" FOREIGN KEY ("canary_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_evaluations" ADD CONSTRAINT "model_evaluations_version_id_model_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."model_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_promotions" ADD CONSTRAINT "model_promotions_version_id_model_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."model_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_rollouts" ADD CONSTRAINT "model_rollouts_deployment_id_model_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."model_deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "model_deployments_ns_name_key" ON "model_deployments" USING btree ("namespace","name") WHERE "model_deployments"."removed_at" is null;--> statement-breakpoint
CREATE INDEX "model_deployments_model_idx" ON "model_deployments" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "model_evaluations_version_idx" ON "model_evaluations" USING btree ("version_id","evaluated_on");--> statement-breakpoint
CREATE UNIQUE INDEX "model_promotions_pending_key" ON "model_promotions" USING btree ("version_id") WHERE "model_promotions"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "model_promotions_status_idx" ON "model_promotions" USING btree ("status","requested_at");--> statement-breakpoint
CREATE INDEX "model_rollouts_deployment_idx" ON "model_rollouts" USING btree ("deployment_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_model_label_key" ON "model_versions" USING btree ("model_id","label");--> statement-breakpoint
CREATE INDEX "model_versions_model_created_idx" ON "model_versions" USING btree ("model_id","created_at");--> statement-breakpoint
CREATE INDEX "model_versions_stage_idx" ON "model_versions" USING btree ("stage");--> statement-breakpoint
CREATE UNIQUE INDEX "models_name_key" ON "models" USING btree ("name");--> statement-breakpoint
CREATE INDEX "models_updated_idx" ON "models" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "models_family_idx" ON "models" USING btree ("family");--> statement-breakpoint
CREATE INDEX "models_tags_idx" ON "models" USING gin ("tags");