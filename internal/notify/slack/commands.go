package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/say"
	goslack "github.com/slack-go/slack"
)

// commandUsage is the answer to `/elevate help`.
const commandUsage = "*/elevate* opens a form to request access.\n" +
	"*/elevate ACCOUNT PERMISSION-SET DURATION [TICKET] JUSTIFICATION* sends the request at once when it is complete " +
	"(for example `/elevate prod AdministratorAccess 1h INC-42 redrive the DLQ`); otherwise the form opens, filled in.\n" +
	"Your open requests, your active access and what waits for your approval are in elevate's App Home."

// ticketPattern is what the slash command takes for a ticket: KEY-123 or #123.
var ticketPattern = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*-[0-9]+|#[0-9]+)$`)

// commandArgs are the slash command's words, as typed.
type commandArgs struct {
	Account, PermissionSet string
	Duration               time.Duration
	DurationText           string
	Ticket, Justification  string
}

// parseCommand reads `ACCOUNT PERMISSION-SET DURATION [TICKET] JUSTIFICATION`.
// Any part may be missing from the end; a word in the duration's place that
// is not a duration starts the justification.
func parseCommand(text string) commandArgs {
	words := strings.Fields(text)
	var a commandArgs
	take := func() string {
		if len(words) == 0 {
			return ""
		}
		w := words[0]
		words = words[1:]
		return w
	}
	a.Account, a.PermissionSet = take(), take()
	if len(words) > 0 {
		if d, err := time.ParseDuration(words[0]); err == nil && d > 0 {
			a.Duration, a.DurationText = d, take()
		}
	}
	if len(words) > 0 && ticketPattern.MatchString(words[0]) {
		a.Ticket = take()
	}
	a.Justification = strings.Join(words, " ")
	return a
}

// command answers a slash command at once (nothing is posted in the
// channel) and does the work after: with no words, the modal; with a
// complete and unambiguous request, Submit, the outcome told to the user
// alone; otherwise the modal, filled in with what was typed.
func (a *asker) command(w http.ResponseWriter, r *http.Request, cmd goslack.SlashCommand, received time.Time) {
	if strings.EqualFold(strings.TrimSpace(cmd.Text), "help") {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"response_type": "ephemeral", "text": commandUsage})
		return
	}
	background(r.Context(), func(ctx context.Context) { a.runCommand(ctx, cmd, received) })
	w.WriteHeader(http.StatusOK)
}

func (a *asker) runCommand(ctx context.Context, cmd goslack.SlashCommand, received time.Time) {
	args := parseCommand(cmd.Text)
	typed := form{Duration: args.Duration, Justification: args.Justification, Ticket: args.Ticket}
	if strings.TrimSpace(cmd.Text) == "" {
		a.openRequest(ctx, cmd.UserID, cmd.TriggerID, typed, nil)
		return
	}
	resc := make(chan resolved, 1)
	go func() { resc <- a.resolve(ctx, cmd.UserID) }()
	// The trigger is valid for 3 seconds after Slack sent the command: if the
	// lookup is slower than the budget, the modal opens with what was typed
	// and fills when the lookup is done.
	wait := time.NewTimer(max(a.cfg.AckBudget-time.Since(received), 0))
	defer wait.Stop()
	select {
	case res := <-resc:
		if res.err != nil {
			a.ephemeral(ctx, cmd.ResponseURL, refusalText(res.err))
			return
		}
		f, complete := matchCommand(res.offers, args)
		if !complete {
			a.openRequest(ctx, cmd.UserID, cmd.TriggerID, f, &res)
			return
		}
		a.submitCommand(ctx, cmd, res, f, received)
	case <-wait.C:
		v, err := a.in.client.api.OpenViewContext(ctx, cmd.TriggerID, requestModal(typed, nil))
		if err != nil {
			a.log.WarnContext(ctx, "slack: views.open", "error", err.Error())
			return
		}
		res := <-resc
		f, _ := matchCommand(res.offers, args)
		var c *choice
		if res.err != nil {
			f.Notice = refusalText(res.err)
		} else if c, err = a.choose(ctx, res.actor, res.offers, &f); err != nil {
			f.Notice = refusalText(err)
		}
		if _, err := a.in.client.api.UpdateViewContext(ctx, requestModal(f, c), "", v.Hash, v.ID); err != nil {
			a.log.WarnContext(ctx, "slack: views.update", "error", err.Error())
		}
	}
}

// submitCommand sends a complete slash command through Submit and tells the
// user the outcome; a refusal opens the modal with the reason while the
// trigger is still valid.
func (a *asker) submitCommand(ctx context.Context, cmd goslack.SlashCommand, res resolved, f form, received time.Time) {
	s := a.submitForm(ctx, cmd.UserID, f)
	if s.req == nil {
		s.f.Notice = joinErrors(s.errs)
		if time.Since(received) < a.cfg.AckBudget {
			if _, err := a.in.client.api.OpenViewContext(ctx, cmd.TriggerID, requestModal(s.f, s.c)); err == nil {
				return
			}
		}
		a.ephemeral(ctx, cmd.ResponseURL, "Not sent: "+s.f.Notice+" Run /elevate for the form.")
		return
	}
	r := s.req
	text := fmt.Sprintf("Request %s for %s on %s (%s) is %s.", r.ID, r.PermissionSetName, s.f.AccountLabel, say.Duration(r.Duration), say.Status(string(r.Status)))
	if s.c != nil && r.ApprovalsRequired > 0 {
		text += " " + strings.ReplaceAll(approversLine(s.c.approvers, r.ApprovalsRequired), "*", "")
	}
	if a.cfg.PublicURL != "" {
		text += fmt.Sprintf(" <%s/requests/%s|Open in elevate>", a.cfg.PublicURL, r.ID)
	}
	a.ephemeral(ctx, cmd.ResponseURL, text)
}

// matchCommand finds what the slash command's words name among the
// actor's offers. It returns the form filled with what matched, and
// whether the request is complete and unambiguous; when it is not, the
// form's notice says what is missing.
func matchCommand(offers []Offer, args commandArgs) (form, bool) {
	f := form{Duration: args.Duration, Justification: args.Justification, Ticket: args.Ticket, PermissionSet: args.PermissionSet}
	var ids []string
	for _, o := range offers {
		if (o.AccountID == args.Account || strings.EqualFold(o.AccountName, args.Account)) && (len(ids) == 0 || ids[len(ids)-1] != o.AccountID) {
			ids = append(ids, o.AccountID)
			f.AccountLabel = accountLabel(o.AccountName, o.AccountID)
		}
	}
	switch {
	case len(ids) == 0:
		f.PermissionSet, f.AccountLabel = "", ""
		f.Notice = fmt.Sprintf("No account you may request is named %q: choose one.", args.Account)
		return f, false
	case len(ids) > 1:
		f.PermissionSet, f.AccountLabel = "", ""
		f.Notice = fmt.Sprintf("Several accounts are named %q: choose one.", args.Account)
		return f, false
	}
	f.AccountID = ids[0]
	var offer *Offer
	for i, o := range offers {
		if o.AccountID == f.AccountID && (strings.EqualFold(o.PermissionSet, args.PermissionSet) || o.PermissionSetARN == args.PermissionSet) {
			offer = &offers[i]
		}
	}
	var missing []string
	switch {
	case offer == nil && args.PermissionSet == "":
		missing = append(missing, "a permission set")
	case offer == nil:
		f.Notice = fmt.Sprintf("You may not request %q on %s: choose a permission set.", args.PermissionSet, f.AccountLabel)
		f.PermissionSet = ""
		return f, false
	default:
		f.PermissionSet = offer.PermissionSetARN
	}
	if args.Duration <= 0 {
		missing = append(missing, "a duration")
	} else if offer != nil && offer.MaxDuration > 0 && args.Duration > offer.MaxDuration {
		missing = append(missing, "a duration of at most "+say.Duration(offer.MaxDuration))
	}
	if offer != nil && offer.TicketRequired && args.Ticket == "" {
		missing = append(missing, "a ticket")
	}
	if args.Justification == "" {
		missing = append(missing, "a justification")
	}
	if len(missing) > 0 {
		f.Notice = "Add " + strings.Join(missing, ", ") + " to send the request."
		return f, false
	}
	return f, true
}
