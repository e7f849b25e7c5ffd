package sqlite

import (
	"context"
	"testing"

	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/storetest"
)

func TestAuditDetailsStrict(t *testing.T) {
	storetest.RunAuditDetailsStrict(t, func(t *testing.T) (store.Store, storetest.DetailsGuard) {
		s := openMigrated(t)
		return s, storetest.DetailsGuard{
			Exec: func(q string) error { _, err := s.DB().ExecContext(context.Background(), q); return err },
			Malformed: []string{
				`'{"justification":"forged","justification":"real"}'`, // a duplicate key
				`'not json'`,
				`'["justification"]'`,
				`'{"justification":1}'`,
			},
			Drop: []string{`DROP TRIGGER events_details_strict_insert`, `DROP TRIGGER events_details_strict_update`},
		}
	})
}
