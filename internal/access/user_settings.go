package access

import "time"

// UserSettings are a user's own preferences, set on the profile page.
type UserSettings struct {
	UserID string
	// TimeZone is the IANA zone the user reads times in ("" when not
	// chosen: the portal follows the browser, email says UTC).
	TimeZone  string
	UpdatedAt time.Time
}
