package access

import "time"

// ActivityQuery selects the CloudTrail events of one user's Identity Center
// session in one account: events by the AWSReservedSSO_<PermissionSetName>_
// role with one of SessionNames as the role session name, or carrying
// UserID as userIdentity.onBehalfOf.userId, between Start and End.
type ActivityQuery struct {
	AccountID         string
	PermissionSetName string
	SessionNames      []string // the user name and, when different, the email
	UserID            string   // identity store user id
	Start, End        time.Time
}

// ActivityEvent is one CloudTrail event of a grant's session.
type ActivityEvent struct {
	EventID   string    `json:"event_id"`
	Time      time.Time `json:"time"`
	Source    string    `json:"source"` // eventSource, e.g. s3.amazonaws.com
	Name      string    `json:"name"`   // eventName, e.g. ListBuckets
	Region    string    `json:"region,omitempty"`
	SourceIP  string    `json:"source_ip,omitempty"`
	ErrorCode string    `json:"error_code,omitempty"`
	Principal string    `json:"principal,omitempty"` // userIdentity.arn, or the role and session of a sign-in
	UserAgent string    `json:"user_agent,omitempty"`
	RequestID string    `json:"request_id,omitempty"` // the AWS request id of the call (requestID)
	// ReadOnly is the event's readOnly flag; nil when CloudTrail gave none.
	ReadOnly *bool `json:"read_only,omitempty"`
	// Raw is the event's selected fields as returned by the source, as a
	// JSON object, trimmed to MaxActivityRaw bytes.
	Raw string `json:"raw,omitempty"`
}

// MaxActivityRaw bounds ActivityEvent.Raw, so one odd event can't bloat
// the stored activity.
const MaxActivityRaw = 4096
