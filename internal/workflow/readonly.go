package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// The reads below serve server-side commands that have the database but no
// running service (doctor, import team): each is one read transaction.

// ReadRunStatus returns the status of the last run of a periodic task
// (access.RunDirectorySync, access.RunReconcile); found is false when it
// never ran.
func ReadRunStatus(ctx context.Context, st store.Store, kind string) (rs access.RunStatus, found bool, err error) {
	err = st.ReadTx(ctx, func(tx store.Tx) error {
		rs, err = tx.GetRunStatus(ctx, kind)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return access.RunStatus{Kind: kind}, false, nil
	}
	if err != nil {
		return rs, false, fmt.Errorf("read %s status: %w", kind, err)
	}
	return rs, true, nil
}

// DirectoryState is the synced directory, when it was synced (zero: never),
// and the applied policy document (nil while none was ever applied).
type DirectoryState struct {
	Directory access.Directory
	SyncedAt  time.Time
	Policy    *access.StoredPolicy
}

// ReadDirectoryState reads the synced directory and the applied policy in
// one read transaction. The directory is not read when it was never synced.
func ReadDirectoryState(ctx context.Context, st store.Store) (DirectoryState, error) {
	var ds DirectoryState
	err := st.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		if ds.SyncedAt, err = tx.DirectorySyncedAt(ctx); err != nil {
			return fmt.Errorf("directory sync time: %w", err)
		}
		if ds.SyncedAt.IsZero() {
			return nil
		}
		if ds.Directory, err = tx.DirectorySnapshot(ctx); err != nil {
			return fmt.Errorf("load directory: %w", err)
		}
		rev, err := tx.PolicyRevision(ctx)
		if err != nil || rev == 0 {
			return err
		}
		sp, err := tx.GetPolicy(ctx)
		if err != nil {
			return fmt.Errorf("read policy: %w", err)
		}
		ds.Policy = &sp
		return nil
	})
	return ds, err
}
