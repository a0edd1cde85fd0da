CREATE TABLE "guard_assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_slug" text DEFAULT '' NOT NULL,
	"model" text DEFAULT '' NOT NULL,
	"policy_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guard_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guard_policy_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"policy_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"definition" jsonb NOT NULL,
	"checksums" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"archived_at" timestamp with time zone,
	CONSTRAINT "guard_policy_versions_version_positive" CHECK ("guard_policy_versions"."version" > 0)
);
--> statement-breakpoint
ALTER TABLE "guard_assignments" ADD CONSTRAINT "guard_assignments_policy_id_guard_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."guard_policies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guard_policy_versions" ADD CONSTRAINT "guard_policy_versions_policy_id_guard_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."guard_policies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "guard_assignments_tenant_model_key" ON "guard_assignments" USING btree ("tenant_slug","model");--> statement-breakpoint
CREATE INDEX "guard_assignments_policy_idx" ON "guard_assignments" USING btree ("policy_id");--> statement-breakpoint
CREATE UNIQUE INDEX "guard_policies_name_key" ON "guard_policies" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "guard_policy_versions_policy_version_key" ON "guard_policy_versions" USING btree ("policy_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "guard_policy_versions_one_published_key" ON "guard_policy_versions" USING btree ("policy_id") WHERE "guard_policy_versions"."status" = 'published';