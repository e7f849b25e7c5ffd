package main

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/elevate/elevate/client"
)

// riverJobsOf describes River's jobs for the grants of r, straight from the
// database, for the message of a failed crash loop: which job is missing,
// waiting, retrying or stuck, and with which errors.
func (h *harness) riverJobsOf(r *client.Request) string {
	if r == nil {
		return "no request"
	}
	driver, dsn := "sqlite", "file:"+filepath.Join(h.dir, "data", "elevate.db")+"?mode=ro"
	if h.opts.databaseURL != "" {
		driver, dsn = "pgx", h.opts.databaseURL
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return fmt.Sprintf("open the database: %v", err)
	}
	defer func() { _ = db.Close() }()
	var b strings.Builder
	for _, g := range r.Grants {
		rows, err := db.Query(`SELECT id, kind, state, attempt, max_attempts, scheduled_at, attempted_by, errors FROM river_job WHERE CAST(args AS TEXT) LIKE '%' || $1 || '%' ORDER BY id`, g.ID)
		if err != nil {
			return fmt.Sprintf("query river_job: %v", err)
		}
		n := 0
		for rows.Next() {
			var id, attempt, maxAttempts int64
			var kind, state string
			var scheduled, attemptedBy, errs any
			if err := rows.Scan(&id, &kind, &state, &attempt, &maxAttempts, &scheduled, &attemptedBy, &errs); err != nil {
				_ = rows.Close()
				return fmt.Sprintf("scan river_job: %v", err)
			}
			n++
			fmt.Fprintf(&b, "\n  grant %s: job %d %s %s attempt %d/%d scheduled %v by %s errors %s", g.ID, id, kind, state, attempt, maxAttempts, scheduled, text(attemptedBy), text(errs))
		}
		if err := rows.Err(); err != nil {
			return fmt.Sprintf("read river_job: %v", err)
		}
		_ = rows.Close()
		if n == 0 {
			fmt.Fprintf(&b, "\n  grant %s: no River job", g.ID)
		}
	}
	return b.String()
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case []byte:
		return string(v)
	default:
		return fmt.Sprint(v)
	}
}
