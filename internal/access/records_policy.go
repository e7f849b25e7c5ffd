package access

import "time"

// StoredPolicy is the applied policy document: one YAML document
// holding the settings, eligibility rules and approver rules, versioned by
// revision so concurrent applies cannot both win.
type StoredPolicy struct {
	Revision  int    // 1 for the first applied document
	Document  []byte // canonical YAML (policy.Marshal)
	UpdatedAt time.Time
	UpdatedBy string // user name of the admin who applied it
}
