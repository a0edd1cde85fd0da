CREATE TABLE "kube_controller_status" (
	"controller" text PRIMARY KEY NOT NULL,
	"instance_id" text NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"last_reconcile_at" timestamp (3) with time zone,
	"reconcile_total" bigint DEFAULT 0 NOT NULL,
	"error_total" bigint DEFAULT 0 NOT NULL,
	"queue_depth" integer DEFAULT 0 NOT NULL,
	"objects_managed" integer DEFAULT 0 NOT NULL,
	"objects_drifted" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_error_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kube_desired_objects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_context" text NOT NULL,
	"owner_id" text NOT NULL,
	"api_version" text NOT NULL,
	"kind" text NOT NULL,
	"namespace" text DEFAULT '' NOT NULL,
	"name" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"spec_hash" text NOT NULL,
	"generation" integer DEFAULT 1 NOT NULL,
	"drift_policy" text DEFAULT 'heal' NOT NULL,
	"deletion_requested_at" timestamp (3) with time zone,
	"applied_generation" integer,
	"applied_hash" text,
	"last_applied_at" timestamp (3) with time zone,
	"observed_status" jsonb,
	"observed_generation" bigint,
	"observed_status_generation" bigint,
	"observed_resource_version" text,
	"observed_exists" boolean DEFAULT false NOT NULL,
	"last_observed_at" timestamp (3) with time zone,
	"last_error" text,
	"last_error_at" timestamp (3) with time zone,
	"error_count" integer DEFAULT 0 NOT NULL,
	"drift_detected" boolean DEFAULT false NOT NULL,
	"drift_description" text,
	"drift_detected_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "kube_desired_objects_object_key" ON "kube_desired_objects" USING btree ("api_version","kind","namespace","name");--> statement-breakpoint
CREATE INDEX "kube_desired_objects_owner_idx" ON "kube_desired_objects" USING btree ("owner_context","owner_id");--> statement-breakpoint
CREATE INDEX "kube_desired_objects_pending_idx" ON "kube_desired_objects" USING btree ("updated_at") WHERE applied_generation is distinct from generation or deletion_requested_at is not null;--> statement-breakpoint
CREATE INDEX "kube_desired_objects_drift_idx" ON "kube_desired_objects" USING btree ("drift_detected") WHERE drift_detected;