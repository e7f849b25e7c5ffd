package cli

// `elevate import team`: migrate from AWS's TEAM sample. It reads the scans
// of TEAM's DynamoDB tables and writes an elevate policy document, names
// resolved through the directory elevate synced (read from the server's
// database, or from a JSON snapshot with --directory), for the operator to
// review with `policy plan` and then apply.

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/teamimport"
	"github.com/elevate/elevate/internal/workflow"
)

const importUsage = "elevate import team [--out FILE] [--directory FILE] [--config FILE] [--data-dir D | --database-url URL] SCAN_FILE_OR_DIR..."

func cmdImport(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "team" {
		return fmt.Errorf("%w: %s", ErrUsage, importUsage)
	}
	fs := newFlagSet(env, "import team")
	var f serverFlags
	f.register(fs, env)
	out := fs.String("out", "", "write the policy document to this file (default: standard output)")
	dirFile := fs.String("directory", "", "read the directory from this JSON snapshot instead of the server's database")
	paths, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: name the scans of TEAM's Eligibility and Approvers tables (files, or a directory of them): %s", ErrUsage, importUsage)
	}
	scans, skipped, err := teamimport.ReadPaths(paths)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(env.Stderr, "skipped %s\n", s)
	}
	if !hasPolicyTable(scans) {
		return errors.New("no scan of TEAM's Eligibility or Approvers table among the files: export them with `aws dynamodb scan --table-name Eligibility-... --output json`")
	}
	cfg, err := f.load(env)
	if err != nil {
		return err
	}
	cur, err := importBase(ctx, env, cfg, *dirFile)
	if err != nil {
		return err
	}
	res, err := teamimport.Import(scans, cur.dir, cur.settings)
	if err != nil {
		return err
	}
	doc, err := res.YAML()
	if err != nil {
		return err
	}
	if err := writeTo(env.Stdout, *out, func(w io.Writer) error { _, err := w.Write(doc); return err }); err != nil {
		return err
	}
	printImportReport(env.Stderr, res, cur.rules, *out)
	return nil
}

func hasPolicyTable(scans []teamimport.Scan) bool {
	for _, s := range scans {
		if s.Table == teamimport.Eligibility || s.Table == teamimport.Approvers {
			return true
		}
	}
	return false
}

// importCurrent is what the import starts from: the directory, the
// settings in effect (kept, so that applying the document does not change
// elevate's own settings such as the admins group) and the number of rules
// in effect (which applying the document would replace).
type importCurrent struct {
	dir      access.Directory
	settings policy.Settings
	rules    int
}

// importBase reads the directory and the policy in effect from the
// server's database, in one read transaction, or, with a snapshot file,
// the directory from it and the settings from the configuration.
func importBase(ctx context.Context, env *Env, cfg config.Config, dirFile string) (importCurrent, error) {
	p := cfg.Policy
	cur := importCurrent{settings: policy.Settings{MinDuration: p.MinDuration, MaxDuration: p.MaxDuration, ApprovalTimeout: p.ApprovalTimeout,
		AdminsGroup: p.AdminsGroup, AuditorsGroup: p.AuditorsGroup}, rules: len(p.Rules)}
	if dirFile != "" {
		d, err := teamimport.ReadDirectory(dirFile)
		cur.dir = d
		return cur, err
	}
	st, where, err := app.OpenStore(ctx, cfg, newLogger(env, cfg))
	if err != nil {
		return cur, err
	}
	defer func() { _ = st.Close() }() // a read-only command: the close error cannot matter
	if err := st.CheckSchema(ctx); err != nil {
		return cur, err
	}
	ds, err := workflow.ReadDirectoryState(ctx, st)
	if err != nil {
		return cur, err
	}
	if ds.SyncedAt.IsZero() {
		return cur, fmt.Errorf("database %s: the directory was never synced: run `elevate serve` (it syncs at start) or `elevate sync --wait` first, or give --directory FILE", where)
	}
	cur.dir = ds.Directory
	if ds.Policy == nil {
		return cur, nil
	}
	src, err := policy.Parse(ds.Policy.Document)
	if err != nil {
		return cur, fmt.Errorf("policy revision %d: %w", ds.Policy.Revision, err)
	}
	cur.settings, cur.rules = src.Doc.Settings, len(src.Doc.Rules)
	return cur, nil
}

// printImportReport tells the operator what was not imported and why, the
// differences from TEAM, and the summary, last, where it is seen.
func printImportReport(w io.Writer, res teamimport.Result, rulesInEffect int, out string) {
	if len(res.NotImported) > 0 {
		fmt.Fprintf(w, "Not imported (%d):\n", len(res.NotImported))
		for _, n := range res.NotImported {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	if len(res.Notes) > 0 {
		fmt.Fprintf(w, "Notes (%d):\n", len(res.Notes))
		for _, n := range res.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	if rulesInEffect > 0 {
		fmt.Fprintf(w, "The policy in effect has %d rule(s) of its own: applying this document replaces them (`elevate policy plan -f` lists them as removed); copy them in to keep them.\n", rulesInEffect)
	}
	fmt.Fprintln(w, res.Summary())
	if out != "" {
		fmt.Fprintf(w, "Wrote %s: review it with `elevate policy plan -f %s`, then `elevate policy apply -f %s`.\n", out, out, out)
	}
}
