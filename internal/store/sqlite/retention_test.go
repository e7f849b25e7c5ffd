package sqlite

import (
	"testing"

	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/storetest"
)

// TestAuditPrune runs the retention checks of the decision log on SQLite,
// tampering with the file directly.
func TestAuditPrune(t *testing.T) {
	storetest.RunAuditPrune(t, func(t *testing.T) (store.Store, storetest.Tamperer) {
		s := openMigrated(t)
		return s, tamperer{s}
	})
}
