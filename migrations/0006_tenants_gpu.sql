CREATE TABLE "gateway_config_versions" (
	"version" integer PRIMARY KEY NOT NULL,
	"content_hash" text NOT NULL,
	"content" jsonb NOT NULL,
	"published_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"published_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_models" (
	"tenant_id" uuid NOT NULL,
	"model" text NOT NULL,
	"requests_per_minute" integer,
	"tokens_per_minute" integer,
	CONSTRAINT "tenant_models_pk" PRIMARY KEY("tenant_id","model")
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"namespace" text NOT NULL,
	"cost_centre" text,
	"contacts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"quota" jsonb,
	"limit_defaults" jsonb,
	"token_budget" bigint,
	"budget_period" text DEFAULT 'month' NOT NULL,
	"alert_threshold_percent" integer DEFAULT 80 NOT NULL,
	"requests_per_minute" integer,
	"tokens_per_minute" integer,
	"revision" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp (3) with time zone,
	CONSTRAINT "tenants_alert_threshold_range" CHECK ("tenants"."alert_threshold_percent" between 1 and 100),
	CONSTRAINT "tenants_token_budget_positive" CHECK ("tenants"."token_budget" is null or "tenants"."token_budget" >= 0)
);
--> statement-breakpoint
CREATE TABLE "gpu_dedications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"target_kind" text NOT NULL,
	"target" text NOT NULL,
	"tenant" text NOT NULL,
	"nodes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gpu_pools" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"selector" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenant_models" ADD CONSTRAINT "tenant_models_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gateway_config_versions_hash_idx" ON "gateway_config_versions" USING btree ("content_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_namespace_key" ON "tenants" USING btree ("namespace");--> statement-breakpoint
CREATE INDEX "tenants_status_name_idx" ON "tenants" USING btree ("status","name");--> statement-breakpoint
CREATE UNIQUE INDEX "gpu_dedications_target_key" ON "gpu_dedications" USING btree ("target_kind","target");--> statement-breakpoint
CREATE INDEX "gpu_dedications_tenant_idx" ON "gpu_dedications" USING btree ("tenant");--> statement-breakpoint
CREATE UNIQUE INDEX "gpu_pools_name_key" ON "gpu_pools" USING btree ("name");