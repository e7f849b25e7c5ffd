package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/client"
)

// cmdSync starts a directory sync (`elevate sync [--wait]`, admins) or
// shows its status (`elevate sync status`, admins and auditors).
func cmdSync(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "status" {
		return cmdSyncStatus(ctx, env, args[1:])
	}
	fs := newFlagSet(env, "sync")
	cf := addClientFlags(fs, env)
	wait := fs.Bool("wait", false, "wait until the sync has run, print what it did, and exit 1 if it failed")
	timeout := fs.Duration("timeout", time.Hour, "with --wait, give up after this long")
	every := fs.Duration("poll", time.Second, "with --wait, how often to ask the server")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return usageErr("use: elevate sync [--wait] | elevate sync status [--json]")
	}
	if *timeout <= 0 || *every <= 0 {
		return usageErr("--timeout and --poll must be positive")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	tr, err := c.TriggerSync(ctx)
	if err != nil {
		return cf.explain(err)
	}
	if !*wait {
		if cf.json {
			return cf.printJSON(tr)
		}
		if tr.Existing {
			fmt.Fprintf(env.Stdout, "A directory sync is already %s (job %d); see `elevate sync status`.\n", tr.State, tr.JobID)
		} else {
			fmt.Fprintf(env.Stdout, "Directory sync queued (job %d); see `elevate sync status`.\n", tr.JobID)
		}
		return nil
	}
	if tr.Existing && !cf.json {
		fmt.Fprintf(env.Stdout, "Waiting for the directory sync already %s (job %d).\n", tr.State, tr.JobID)
	}
	wctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	st, err := c.WaitSync(wctx, tr.JobID, *every)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		if err := cf.printJSON(st); err != nil {
			return err
		}
	} else {
		printSyncStatus(env.Stdout, st)
	}
	if st.Job.Failed {
		msg := st.Job.Error
		if msg == "" && st.LastRun != nil {
			msg = st.LastRun.Error
		}
		return fmt.Errorf("directory sync job %d %s: %s", st.Job.ID, st.Job.State, msg)
	}
	if st.Job.State != "completed" {
		return fmt.Errorf("directory sync job %d was %s", st.Job.ID, st.Job.State)
	}
	return nil
}

// cmdSyncStatus prints the directory sync's status.
func cmdSyncStatus(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "sync status")
	cf := addClientFlags(fs, env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	st, err := c.SyncStatus(ctx, 0)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(st)
	}
	printSyncStatus(env.Stdout, st)
	return nil
}

// syncKinds are the directory's kinds in the order they are printed.
var syncKinds = []string{"accounts", "ous", "permission_sets", "users", "groups", "memberships"}

// printSyncStatus writes the status for people.
func printSyncStatus(w io.Writer, st *client.SyncStatus) {
	ts := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	if r := st.LastRun; r == nil {
		fmt.Fprintln(w, "Last sync:     never ran")
	} else {
		fmt.Fprintf(w, "Last sync:     %s, started %s", r.Outcome, r.StartedAt.UTC().Format(time.RFC3339))
		if r.Duration != "" {
			fmt.Fprintf(w, ", took %s", r.Duration)
		}
		fmt.Fprintln(w)
		if r.Error != "" {
			fmt.Fprintf(w, "Error:         %s\n", r.Error)
		}
		fmt.Fprintf(w, "Last success:  %s\n", ts(r.LastSuccessAt))
		if len(r.Counts) > 0 {
			fmt.Fprintf(w, "%-16s %8s %8s %8s %8s\n", "KIND", "SEEN", "INSERTED", "UPDATED", "DELETED")
			for _, k := range syncKinds {
				fmt.Fprintf(w, "%-16s %8d %8d %8d %8d\n", k, r.Counts[k], r.Counts[k+"_inserted"], r.Counts[k+"_updated"], r.Counts[k+"_deleted"])
			}
			fmt.Fprintf(w, "Rows written:  %d\n", r.Counts["writes"])
			printOtherCounts(w, r.Counts)
		}
	}
	if st.Interval == "" {
		fmt.Fprintln(w, "Schedule:      periodic sync off")
	} else {
		fmt.Fprintf(w, "Schedule:      every %s, next about %s\n", st.Interval, ts(st.NextRunAt))
	}
	if j := st.Pending; j != nil {
		fmt.Fprintf(w, "Queued:        job %d, %s\n", j.ID, j.State)
	}
	if j := st.Job; j != nil {
		fmt.Fprintf(w, "Job %d:        %s", j.ID, j.State)
		if j.Error != "" {
			fmt.Fprintf(w, " (%s)", j.Error)
		}
		fmt.Fprintln(w)
	}
}

// printOtherCounts prints counts that are not per kind (none today), so
// that a count added by the server is not hidden.
func printOtherCounts(w io.Writer, counts map[string]int) {
	var other []string
	for k, v := range counts {
		base, _, _ := strings.Cut(k, "_inserted")
		base, _, _ = strings.Cut(base, "_updated")
		base, _, _ = strings.Cut(base, "_deleted")
		if k == "writes" || slices.Contains(syncKinds, base) {
			continue
		}
		other = append(other, fmt.Sprintf("%s %d", k, v))
	}
	if len(other) > 0 {
		slices.Sort(other)
		fmt.Fprintf(w, "Other:         %s\n", strings.Join(other, ", "))
	}
}
