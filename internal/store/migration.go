package store

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one embedded schema change of an engine, numbered from 1 in
// increasing order. A number may be skipped: branches developed in parallel
// reserve theirs, and each migration is recorded as applied by its own number.
type Migration struct {
	Version int
	Name    string // the file name, e.g. 0001_init.sql
	SQL     string
}

// ReadMigrations returns the migrations in dir of fsys (NNNN_name.sql), in
// order, refusing bad names, a first migration other than 1 and repeated
// numbers. Both engines embed theirs and read them
// with it.
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
	for i, m := range ms {
		switch {
		case i == 0 && m.Version != 1:
			return nil, fmt.Errorf("embedded migration %s: want number 1 (migrations are numbered from 1)", m.Name)
		case i > 0 && m.Version == ms[i-1].Version:
			return nil, fmt.Errorf("embedded migration %s: number %d is also %s", m.Name, m.Version, ms[i-1].Name)
		}
	}
	return ms, nil
}
