package postgres

import (
	"testing"

	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/pgtest"
	"github.com/elevate/elevate/internal/store/storetest"
)

// TestAuditPrune runs the retention checks of the decision log on
// PostgreSQL, tampering with the database directly.
func TestAuditPrune(t *testing.T) {
	pgtest.AdminURL(t) // skip early, with the message, when there is no server
	storetest.RunAuditPrune(t, func(t *testing.T) (store.Store, storetest.Tamperer) {
		s := openMigrated(t)
		return s, tamperer{s}
	})
}
