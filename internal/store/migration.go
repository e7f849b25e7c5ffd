package store

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one embedded schema change of an engine, numbered from 1;
// each number is used once.
type Migration struct {
	Version int
	Name    string // the file name, e.g. 0001_init.sql
	SQL     string
}

// ReadMigrations returns the migrations in dir of fsys (NNNN_name.sql), in
// order, refusing bad names and a number used twice. A missing number is
// allowed: numbers are reserved by work on other branches (so two branches
// never write the same number), and the engines apply every migration not
// yet recorded, whatever its place, so one that lands later is still applied.
// Both engines embed theirs and read them with it.
func ReadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("embedded migration %s: want a name like 0001_init.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read embedded migration %s: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("embedded migrations %s and %s: both are number %d", ms[i-1].Name, ms[i].Name, ms[i].Version)
		}
	}
	return ms, nil
}

// SchemaVersions returns where a database stands against the embedded
// migrations ms, given the versions its schema_migrations records: latest is
// the highest embedded version; current is the highest embedded version up
// to which every embedded migration is recorded (so a migration that landed
// with a lower number than one already applied makes the database behind),
// or the highest recorded version when the database is ahead of ms.
func SchemaVersions(ms []Migration, recorded []int) (current, latest int) {
	done := make(map[int]bool, len(recorded))
	highest := 0
	for _, v := range recorded {
		done[v] = true
		highest = max(highest, v)
	}
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	if highest > latest {
		return highest, latest
	}
	for _, m := range ms {
		if !done[m.Version] {
			break
		}
		current = m.Version
	}
	return current, latest
}

// SchemaError says what to do when a database is not at the latest schema
// version this binary embeds: behind, run `elevate migrate`; ahead, the
// binary is older than the database. nil when they match.
func SchemaError(engine, where string, current, latest int) error {
	switch {
	case current < latest:
		return fmt.Errorf("%s: database %s is at schema version %d, this binary needs %d: run `elevate migrate`", engine, where, current, latest)
	case current > latest:
		return fmt.Errorf("%s: database %s is at schema version %d, newer than the %d this binary knows: upgrade elevate", engine, where, current, latest)
	}
	return nil
}
