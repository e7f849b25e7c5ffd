package config

import "github.com/elevate/elevate/internal/policy"

// defaults are the built-in defaults of the keys, in YAML syntax, as the
// consumers apply them when a key is left at its zero value. Every key has
// an entry (TestDefaultsCoverEveryKey); "" means the zero value, or a
// default derived from other keys (said in the field's comment).
// docs/elevate.example.yaml shows the same values (TestExampleConfig).
// The policy keys' defaults are policy's own constants.
var defaults = map[string]string{
	"addr":         "127.0.0.1:8080",
	"public_url":   "", // http://<addr>
	"data_dir":     "elevate-data",
	"database_url": "",
	"log_level":    "info",
	"log_format":   "json",

	"aws.region":                          "", // the AWS chain's, else us-east-1
	"aws.instance_arn":                    "", // discovered with ListInstances
	"aws.identity_store_id":               "", // discovered with the instance
	"aws.access_portal_url":               "", // none: no console link or CLI profile
	"aws.poll_interval":                   "1s",
	"aws.max_poll_interval":               "5s",
	"aws.list_poll_interval":              "150ms",
	"aws.provisioning_time":               "2s",
	"aws.calls_per_second":                "18",
	"aws.max_in_flight":                   "10",
	"aws.identity_store_calls_per_second": "10",
	"aws.organizations_calls_per_second":  "10",

	"policy.min_duration":          shortDuration(policy.DefaultMinDuration),
	"policy.max_duration":          shortDuration(policy.DefaultMaxDuration),
	"policy.approval_timeout":      shortDuration(policy.DefaultApprovalTimeout),
	"policy.admins_group":          policy.DefaultAdminsGroup,
	"policy.auditors_group":        policy.DefaultAuditorsGroup,
	"policy.rules":                 "",
	"policy.approver_rules":        "",
	"policy.ticket_required":       "false",
	"policy.notification_channels": "",
	"policy.managed_as_code":       "false",
	"policy.max_duration_ceiling":  "168h",
	"policy.max_start_ahead":       "2160h",
	"policy.revoke_ahead":          "0s", // off: revocations start at the end

	"jobs.client_id":           "", // the host name
	"jobs.job_timeout":         "25s",
	"jobs.fetch_poll_interval": "200ms",
	"jobs.sync_interval":       "15m",
	"jobs.reconcile_interval":  "5m",
	"jobs.sweep_interval":      "1m",
	"jobs.max_workers":         "50",
	"jobs.max_retry_delay":     "1m",

	"audit.signing_key_file":          "", // <data_dir>/audit-signing.key
	"audit.signing_key":               "",
	"audit.trusted_public_keys":       "",
	"audit.checkpoint_interval":       "1h",
	"audit.anchors.directory":         "", // none: the log is unanchored
	"audit.anchors.s3.bucket":         "", // none
	"audit.anchors.s3.prefix":         "elevate/audit-anchors/",
	"audit.anchors.s3.retention_days": "400",
	"audit.anchors.s3.region":         "", // aws.region, else the AWS chain's
	"audit.anchors.s3.endpoint":       "", // the AWS chain's
	"audit.anchors.webhook_url":       "", // none
	"audit.anchors.interval":          "1h",

	"integrations.timeout":                     "3s",
	"integrations.pagerduty.url":               "https://api.pagerduty.com",
	"integrations.pagerduty.token":             "",
	"integrations.pagerduty.calls_per_second":  "5",
	"integrations.opsgenie.url":                "https://api.opsgenie.com",
	"integrations.opsgenie.api_key":            "",
	"integrations.opsgenie.calls_per_second":   "5",
	"integrations.jira.url":                    "",
	"integrations.jira.email":                  "",
	"integrations.jira.token":                  "",
	"integrations.jira.calls_per_second":       "5",
	"integrations.servicenow.url":              "",
	"integrations.servicenow.username":         "",
	"integrations.servicenow.password":         "",
	"integrations.servicenow.calls_per_second": "5",

	"retention.requests": "0s", // forever
	"retention.activity": "0s", // forever
	"retention.audit":    "0s", // forever
	"retention.interval": "1h",

	"activity.source":           "none",
	"activity.event_data_store": "",
	"activity.log_group":        "",
	"activity.region":           "",
	"activity.delay":            "15m",
	"activity.margin":           "0s", // the permission set's session duration

	"notify.warn_before":                           "15m",
	"notify.log":                                   "false",
	"notify.slack.bot_token":                       "",
	"notify.slack.signing_secret":                  "",
	"notify.slack.audit_channel":                   "",
	"notify.slack.api_url":                         "https://slack.com/api/",
	"notify.slack.portal_approval_permission_sets": "",
	"notify.email.host":                            "",
	"notify.email.port":                            "587",
	"notify.email.username":                        "",
	"notify.email.password":                        "",
	"notify.email.from":                            "",
	"notify.email.tls":                             "starttls",
	"notify.email.ca_file":                         "",
	"notify.email.time_zone":                       "", // UTC
	"notify.webhook.url":                           "",
	"notify.webhook.secret":                        "",
	"notify.teams.channels":                        "",
	"notify.teams.all_requests":                    "",

	"auth.session_idle_timeout":     "1h",
	"auth.session_absolute_timeout": "12h",
	"auth.oidc.issuer":              "",
	"auth.oidc.client_id":           "",
	"auth.oidc.client_secret":       "",
	"auth.oidc.redirect_url":        "", // <public_url>/auth/oidc/callback
	"auth.oidc.scopes":              "[openid, email, profile]",
	"auth.oidc.claims":              "[email, preferred_username]",
	"auth.oidc.mfa_amr":             "[mfa]",
	"auth.oidc.acr_values":          "",
	"auth.saml.idp_metadata_url":    "",
	"auth.saml.idp_metadata_file":   "",
	"auth.saml.entity_id":           "", // <public_url>/auth/saml/metadata
	"auth.saml.key_file":            "", // generated in data_dir
	"auth.saml.cert_file":           "", // generated in data_dir
	"auth.saml.attributes":          "[email, Email, mail, http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress, username, userName]",
	"auth.saml.allow_idp_initiated": "false",
	"auth.saml.mfa_classes":         "[urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract, urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered, urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken, urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard, urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI, https://refeds.org/profile/mfa, http://schemas.microsoft.com/claims/multipleauthn]",
	"auth.signin_links":             "true",

	"security.trust_proxy_headers":              "",
	"security.hsts_max_age":                     "8760h",
	"security.rate_limits.sign_in_per_ip":       "30",
	"security.rate_limits.sign_in_per_user":     "10",
	"security.rate_limits.failed_tokens_per_ip": "60",
	"security.rate_limits.requests_per_token":   "3000",

	"reconcile.repair_missing": "false",

	"end_sessions.mechanism": "off",
	"end_sessions.default":   "false",
	"end_sessions.scp_name":  "elevate-end-sessions",

	"directory.events_queue_url": "", // none: changes are seen at the next sync
}

// envAliases are the environment names used before every key had one; they
// keep working, and the systematic name wins when both are set.
var envAliases = map[string][]string{
	"jobs.client_id":              {"ELEVATE_CLIENT_ID"},
	"notify.slack.bot_token":      {"ELEVATE_SLACK_BOT_TOKEN"},
	"notify.slack.signing_secret": {"ELEVATE_SLACK_SIGNING_SECRET"},
	"notify.email.password":       {"ELEVATE_SMTP_PASSWORD"},
	"notify.webhook.secret":       {"ELEVATE_WEBHOOK_SECRET"},
	"auth.oidc.issuer":            {"ELEVATE_OIDC_ISSUER"},
	"auth.oidc.client_id":         {"ELEVATE_OIDC_CLIENT_ID"},
	"auth.oidc.client_secret":     {"ELEVATE_OIDC_CLIENT_SECRET"},
}
