package say

import "strings"

// statusWords say each request status (access.Status) in plain words.
var statusWords = map[string]string{
	"pending":   "waiting for approval",
	"scheduled": "approved",
	"active":    "active",
	"ended":     "ended",
	"revoked":   "ended early",
	"rejected":  "rejected",
	"cancelled": "cancelled",
	"expired":   "expired",
	"failed":    "failed",
}

// grantStatusWords say each grant status (access.GrantStatus): the
// assignment in AWS behind one account of a request.
var grantStatusWords = map[string]string{
	"pending":  "not granted yet",
	"active":   "granted",
	"revoking": "being removed",
	"revoked":  "removed",
	"failed":   "could not be granted",
}

// notificationStatusWords say each notification's delivery status.
var notificationStatusWords = map[string]string{
	"pending": "not sent yet",
	"sent":    "sent",
	"failed":  "not delivered",
	"skipped": "not sent (channel off)",
}

// eventWords say each decision-log event kind (access.EventType and the
// kinds other packages add) as what happened, in the past tense.
var eventWords = map[string]string{
	"request.submitted":            "requested",
	"request.approved":             "approved",
	"request.rejected":             "rejected",
	"request.cancelled":            "cancelled",
	"request.expired":              "expired without a decision",
	"request.activated":            "access became active",
	"request.end_requested":        "asked to end access now",
	"request.extension_requested":  "asked for more time",
	"request.extension_approved":   "approved more time",
	"request.extension_rejected":   "rejected more time",
	"request.extended":             "access was extended",
	"request.ended":                "access ended",
	"request.revoked":              "access ended early",
	"request.failed":               "access could not be granted",
	"request.ending_soon":          "access ends soon",
	"request.escalated":            "escalated to more approvers",
	"request.break_glass":          "used break-glass access",
	"request.break_glass_reviewed": "reviewed the break-glass access",
	"request.refused_by_condition": "refused by a rule's condition",
	"grant.activated":              "granted in AWS",
	"grant.failed":                 "AWS refused the grant",
	"grant.revoked":                "removed in AWS",
	"grant.revocation_failing":     "removal in AWS keeps failing",
	"grant.revocation_recovered":   "removal in AWS works again",
	"grant.sessions_denied":        "open AWS sessions were cut off",
	"grant.sessions_deny_fallback": "open AWS sessions could not be cut off precisely",
	"grant.sessions_deny_removed":  "the session cut-off was lifted",
	"grant.drift_removed":          "removed an assignment made outside elevate",
	"grant.drift_missing":          "the assignment was removed outside elevate",
	"grant.drift_repaired":         "the missing assignment was put back",
	"grant.drift_resolved":         "the missing assignment is back",
	"audit.pruned":                 "old decision-log entries were pruned",
	"audit.anchor":                 "the decision log was anchored",
	"retention.requests_pruned":    "old requests were pruned",
	"retention.activity_pruned":    "old session activity was pruned",
	"auth.signed_in":               "signed in",
	"token.revoked":                "revoked a token",
	"signin_link.created":          "made a sign-in link",
	"signin_link.used":             "used a sign-in link",
	"settings.changed":             "changed the settings",
	"admin.recovered":              "recovered admin access",
	"user.away_set":                "set away, with a delegate",
	"user.away_cleared":            "came back from away",
	"policy.applied":               "applied a new policy",
}

// lookup says key with words, else key itself with its dots and
// underscores read as spaces (a kind added later still reads as words).
func lookup(words map[string]string, key string) string {
	if w, ok := words[key]; ok {
		return w
	}
	return strings.NewReplacer(".", ": ", "_", " ").Replace(key)
}

// Status says a request status in plain words: "pending" is "waiting for
// approval", "revoked" is "ended early".
func Status(s string) string { return lookup(statusWords, s) }

// GrantStatus says the status of one account's grant in plain words.
func GrantStatus(s string) string { return lookup(grantStatusWords, s) }

// NotificationStatus says a notification's delivery status in plain words.
func NotificationStatus(s string) string { return lookup(notificationStatusWords, s) }

// Event says an event kind ("grant.activated") as what happened ("granted
// in AWS").
func Event(kind string) string { return lookup(eventWords, kind) }

// HasStatus, HasGrantStatus, HasNotificationStatus and HasEvent report
// whether the words for a value are written down (not guessed from the
// value's spelling): the tests check every constant has them.
func HasStatus(s string) bool             { _, ok := statusWords[s]; return ok }
func HasGrantStatus(s string) bool        { _, ok := grantStatusWords[s]; return ok }
func HasNotificationStatus(s string) bool { _, ok := notificationStatusWords[s]; return ok }
func HasEvent(kind string) bool           { _, ok := eventWords[kind]; return ok }
