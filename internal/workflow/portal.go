package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/store"
)

// OUPaths maps every OU id (and the root's) to its path from the root, such
// as "Root/Workloads/Prod", for the portal's account search. When
// the directory was not synced since have, it returns changed=false and no
// map, so callers can cache the answer per sync.
func (s *Service) OUPaths(ctx context.Context, have time.Time) (paths map[string]string, syncedAt time.Time, changed bool, err error) {
	err = s.store.ReadTx(ctx, func(tx store.Tx) error {
		if syncedAt, err = tx.DirectorySyncedAt(ctx); err != nil {
			return err
		}
		if !have.IsZero() && syncedAt.Equal(have) {
			return nil
		}
		changed = true
		d, err := tx.DirectorySnapshot(ctx)
		if err != nil {
			return err
		}
		parent, name := map[string]string{}, map[string]string{}
		for _, ou := range d.OUs {
			parent[ou.ID], name[ou.ID] = ou.ParentID, ou.Name
		}
		paths = make(map[string]string, len(d.OUs))
		for _, ou := range d.OUs {
			var parts []string
			for id, n := ou.ID, 0; id != "" && n < 64; id, n = parent[id], n+1 {
				parts = append(parts, name[id])
			}
			for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
				parts[i], parts[j] = parts[j], parts[i]
			}
			paths[ou.ID] = strings.Join(parts, "/")
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("OU paths: %w", err)
	}
	return paths, syncedAt, changed, nil
}

// AccountNames maps account ids to their names, for display. Unknown ids
// map to themselves.
func (s *Service) AccountNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if _, ok := out[id]; ok {
				continue
			}
			a, err := tx.FindAccount(ctx, id)
			if err != nil {
				out[id] = id
				continue
			}
			out[id] = a.Name
		}
		return nil
	})
	return out, err
}
