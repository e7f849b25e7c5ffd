package store_test

import (
	"testing"
	"testing/fstest"

	"github.com/elevate/elevate/internal/store"
)

// TestMigrationNumbers: a number may be missing (reserved by another
// branch) but not used twice; a database lacking a migration below one it
// has is behind.
func TestMigrationNumbers(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"m/0001_a.sql": {}, "m/0002_b.sql": {}, "m/0004_d.sql": {}}
	ms, err := store.ReadMigrations(fsys, "m")
	if err != nil || len(ms) != 3 || ms[2].Version != 4 {
		t.Fatalf("ReadMigrations with a gap: %+v, %v", ms, err)
	}
	if _, err := store.ReadMigrations(fstest.MapFS{"m/0001_a.sql": {}, "m/0001_b.sql": {}}, "m"); err == nil {
		t.Error("two migrations numbered 1: no error")
	}
	for _, tc := range []struct {
		recorded        []int
		current, latest int
	}{
		{nil, 0, 4},
		{[]int{1, 2, 4}, 4, 4},
		{[]int{1, 4}, 1, 4}, // 0002 landed after 0004 was applied: behind
		{[]int{1, 2, 4, 5}, 5, 4},
	} {
		if c, l := store.SchemaVersions(ms, tc.recorded); c != tc.current || l != tc.latest {
			t.Errorf("SchemaVersions(%v) = %d, %d; want %d, %d", tc.recorded, c, l, tc.current, tc.latest)
		}
	}
}
