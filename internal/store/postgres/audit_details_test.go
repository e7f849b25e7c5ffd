package postgres

import (
	"context"
	"testing"

	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/pgtest"
	"github.com/elevate/elevate/internal/store/storetest"
)

func TestAuditDetailsStrict(t *testing.T) {
	pgtest.AdminURL(t)
	storetest.RunAuditDetailsStrict(t, func(t *testing.T) (store.Store, storetest.DetailsGuard) {
		s := openMigrated(t)
		return s, storetest.DetailsGuard{
			Exec: func(q string) error { _, err := s.Pool().Exec(context.Background(), q); return err },
			// jsonb keeps one value per key: a duplicate can't be stored.
			Malformed: []string{`'["justification"]'`, `'{"justification":1}'`, `'"justification"'`},
			Drop:      []string{`DROP TRIGGER events_details_strict ON events`},
		}
	})
}
