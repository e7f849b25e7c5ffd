package awsemu

import (
	"fmt"
	"time"
)

// SetSessionDuration changes a permission set's session duration (an
// ISO-8601 duration between 1 and 12 hours, such as PT4H), as an
// administrator would in the console.
func (e *Emulator) SetSessionDuration(permissionSetName, duration string) error {
	d, err := parseISODuration(duration)
	if err != nil {
		return fmt.Errorf("awsemu: set session duration of %q: %w", permissionSetName, err)
	}
	if d < time.Hour || d > 12*time.Hour {
		return fmt.Errorf("awsemu: set session duration of %q: %s is outside 1 to 12 hours", permissionSetName, duration)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ps := e.sso.psByName[permissionSetName]
	if ps == nil {
		return fmt.Errorf("awsemu: set session duration of %q: %w", permissionSetName, ErrNotFound)
	}
	ps.sessionDuration = duration
	return nil
}

// OUID returns the id of the OU with the name ("" for the root, or when
// there is none).
func (e *Emulator) OUID(name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	id, err := e.parentByNameLocked(name)
	if err != nil {
		return ""
	}
	return id
}
