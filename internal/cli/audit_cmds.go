package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/workflow"
)

// errAuditBad is returned when verify finds a problem (exit status 1).
var errAuditBad = errors.New("the audit log failed verification")

const auditUsage = "elevate audit verify [--checkpoint FILE] [--json] [--strict] | anchor | export [--format jsonl|csv] [--since TIME] [--after-seq N] [--out FILE] | checkpoint [--out FILE] | prune [--dry-run] [--json]"

// cmdAudit runs the decision-log commands on the server's database.
func cmdAudit(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", ErrUsage, auditUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet(env, "audit "+sub)
	var f serverFlags
	f.register(fs, env)
	var run func(svc *workflow.AuditLog) error
	var sinks []workflow.AnchorSink // audit.anchors, set once the configuration is read
	// failed reports an error that stops the command before run (verify
	// --json prints a report then too).
	failed := func(err error) error { return err }
	switch sub {
	case "verify":
		var cpFiles multiFlag
		fs.Var(&cpFiles, "checkpoint", "an exported checkpoint file (JSON) to verify against; repeatable")
		asJSON := fs.Bool("json", false, "print the report as JSON")
		strict := fs.Bool("strict", false, "fail (exit status 1) when any entry is not covered by an anchor outside the database")
		// printJSON prints rep with --json: a report in every case, so
		// that a script reading it never mistakes a failure for an empty
		// answer.
		printJSON := func(rep audit.Report, err error) error {
			if !*asJSON {
				return err
			}
			if err != nil {
				rep = audit.Report{Anchored: len(sinks) > 0, Error: err.Error()}
			}
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			if perr := enc.Encode(rep); perr != nil {
				return errors.Join(err, fmt.Errorf("print report: %w", perr))
			}
			return err
		}
		failed = func(err error) error { return printJSON(audit.Report{}, err) }
		run = func(svc *workflow.AuditLog) error {
			var ext []access.Checkpoint
			for _, p := range cpFiles {
				cps, err := audit.ReadCheckpointFile(p)
				if err != nil {
					return failed(err)
				}
				ext = append(ext, cps...)
			}
			rep, err := svc.VerifyAnchored(ctx, sinks, ext)
			if err := printJSON(rep, err); err != nil {
				return err
			}
			switch {
			case *asJSON:
			case rep.OK:
				fmt.Fprintf(env.Stdout, "ok: %s (seq %d to %d), head %s, %s verified\n",
					access.Plural(int(rep.Entries), "entry", "entries"), rep.FirstSeq, rep.LastSeq, orNone(rep.HeadHash), access.Plural(rep.CheckpointsChecked, "checkpoint", ""))
			default:
				fmt.Fprintf(env.Stdout, "BAD: %s at seq %d: %s\n(%d entries verified before it)\n",
					rep.Problem.Kind, rep.Problem.Seq, rep.Problem.Message, rep.Entries)
			}
			if !*asJSON {
				for _, name := range rep.UnreadableSinks {
					fmt.Fprintf(env.Stdout, "not read: the sink %s can't be read back, so verify does not use its anchors\n", name)
				}
				switch {
				case !rep.Anchored:
					fmt.Fprintln(env.Stdout, "unanchored: no anchor sink that verify can read is configured (audit.anchors.directory or audit.anchors.s3), so nothing outside the database protects this log: whoever can write the database can rewrite it undetected")
				case rep.Unanchored > 0:
					fmt.Fprintf(env.Stdout, "%d entries (after seq %d) are not covered by any anchor outside the database\n", rep.Unanchored, rep.AnchoredSeq)
				default:
					fmt.Fprintf(env.Stdout, "anchored: every entry is covered by an anchor outside the database (through seq %d)\n", rep.AnchoredSeq)
				}
			}
			if !rep.OK {
				return errAuditBad
			}
			if *strict && (!rep.Anchored || rep.Unanchored > 0) {
				return fmt.Errorf("%w: entries not covered by an anchor outside the database (--strict)", errAuditBad)
			}
			return nil
		}
	case "anchor":
		run = func(svc *workflow.AuditLog) error {
			if len(sinks) == 0 {
				return fmt.Errorf("%w: no anchor sink is configured: set audit.anchors.directory, audit.anchors.s3.bucket or audit.anchors.webhook_url", ErrUsage)
			}
			if err := svc.PublishAnchor(ctx, sinks); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "published an anchor to %d sink(s)\n", len(sinks))
			return nil
		}
	case "export":
		format := fs.String("format", "jsonl", "jsonl or csv")
		since := fs.String("since", "", "only entries at or after this time (RFC 3339, or YYYY-MM-DD)")
		afterSeq := fs.Int64("after-seq", 0, "only entries after this seq")
		out := fs.String("out", "", "write to this file instead of standard output")
		run = func(svc *workflow.AuditLog) error {
			o := audit.ExportOptions{Format: *format, AfterSeq: *afterSeq}
			if *since != "" {
				t, err := parseSince(*since)
				if err != nil {
					return err
				}
				o.Since = t
			}
			return writeTo(env.Stdout, *out, func(w io.Writer) error {
				_, err := svc.Export(ctx, w, o)
				return err
			})
		}
	case "checkpoint":
		out := fs.String("out", "", "also write the checkpoint to this file (keep it outside the database)")
		run = func(svc *workflow.AuditLog) error {
			c, err := svc.Checkpoint(ctx, audit.KindManual)
			if err != nil {
				return err
			}
			b, err := json.Marshal(audit.ToJSON(c))
			if err != nil {
				return fmt.Errorf("encode checkpoint: %w", err)
			}
			b = append(b, '\n')
			if *out != "" {
				if err := os.WriteFile(*out, b, 0o600); err != nil {
					return fmt.Errorf("write checkpoint: %w", err)
				}
			}
			_, err = env.Stdout.Write(b)
			return err
		}
	case "prune":
		dryRun := fs.Bool("dry-run", false, "count what the retention would delete, delete nothing")
		asJSON := fs.Bool("json", false, "print the report as JSON")
		run = auditPrune(ctx, env, &f, dryRun, asJSON)
	default:
		return fmt.Errorf("%w: unknown audit command %q: %s", ErrUsage, sub, auditUsage)
	}
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := f.load(env)
	if err != nil {
		return failed(err)
	}
	if sinks, err = app.AnchorSinks(ctx, cfg); err != nil {
		return failed(err)
	}
	svc, closeDB, err := app.OpenAudit(ctx, cfg, newLogger(env, cfg))
	if err != nil {
		return failed(err)
	}
	defer func() { _ = closeDB() }() // a read-only command: the close error cannot matter
	return run(svc)
}

// parseSince reads an RFC 3339 time or a date (midnight UTC).
func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: --since %q: want a time such as 2026-01-02T15:04:05Z or a date 2026-01-02", ErrUsage, s)
}

// writeTo runs write on w, or on the file path when it is set.
func writeTo(w io.Writer, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(w)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
