ALTER TABLE "api_tokens" ALTER COLUMN "user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sign_in_throttle" ADD COLUMN "locks" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "sessions_expires_at_idx" ON "sessions" USING btree ("expires_at");--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_kind_known" CHECK ("api_tokens"."kind" in ('personal', 'service'));--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_owner_matches_kind" CHECK (("api_tokens"."kind" = 'personal') = ("api_tokens"."user_id" is not null));--> statement-breakpoint
ALTER TABLE "group_role_mappings" ADD CONSTRAINT "group_role_mappings_role_known" CHECK ("group_role_mappings"."role" = any(array['admin', 'operator', 'dpo', 'manager', 'auditor']::text[]));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_roles_known" CHECK ("users"."roles" <@ array['admin', 'operator', 'dpo', 'manager', 'auditor']::text[]);