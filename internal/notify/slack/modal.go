package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
)

// Callback, block and action ids of the request modal, the extension modal
// and the App Home.
const (
	CallbackRequest = "elevate_request" // the modal, and the global shortcut that opens it
	CallbackExtend  = "elevate_extend"

	BlockNotice          = "elevate_notice"
	BlockAccount         = "elevate_account"
	ActionAccount        = "account"
	BlockPermissionSet   = "elevate_permission_set" // followed by "." and the account id
	ActionPermissionSet  = "permission_set"
	BlockDuration        = "elevate_duration"
	ActionDuration       = "duration"
	BlockStart           = "elevate_start"
	ActionStart          = "start"
	BlockJustification   = "elevate_justification"
	ActionJustification  = "justification"
	BlockTicket          = "elevate_ticket"
	ActionTicket         = "ticket"
	BlockApprovers       = "elevate_approvers"
	maxOptions           = 100 // Slack's limit per select and per external-select answer
	maxOptionText        = 75  // Slack's limit on an option's text
	maxText              = 3000
	defaultDurationValue = time.Hour
)

// durationChoices are the durations the modal offers, up to the rule's maximum.
var durationChoices = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour,
	8 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// form is what the modal holds: its fields, as chosen or typed.
type form struct {
	AccountID, AccountLabel string
	PermissionSet           string // the ARN (or, from the slash command, a name)
	Duration                time.Duration
	StartAt                 time.Time
	Justification, Ticket   string
	// Notice is a line at the top: why the form was not sent, or a problem.
	Notice string
}

// choice is what the modal shows once the actor's offers are known.
type choice struct {
	offers    []Offer // the chosen account's
	offer     *Offer  // the chosen permission set's
	approvers []string
	required  int
}

// clip cuts s to n characters (an ellipsis marks the cut).
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func option(text, value string) *goslack.OptionBlockObject {
	return goslack.NewOptionBlockObject(value, plain(clip(text, maxOptionText)), nil)
}

func accountLabel(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return clip(name, maxOptionText-15) + " (" + id + ")"
}

func offerLabel(o Offer) string {
	approval := "no approval"
	switch {
	case o.ApprovalsRequired == 1:
		approval = "1 approval"
	case o.ApprovalsRequired > 1:
		approval = fmt.Sprintf("%d approvals", o.ApprovalsRequired)
	}
	tail := " · " + approval
	if o.Session > 0 {
		tail = " · " + say.Duration(o.Session) + " session" + tail
	}
	return clip(o.PermissionSet, maxOptionText-utf8.RuneCountInString(tail)) + tail
}

// requestModal builds the request modal for f; c is nil until the actor's
// offers are known (the modal opens first, then fills).
func requestModal(f form, c *choice) goslack.ModalViewRequest {
	var blocks []goslack.Block
	if f.Notice != "" {
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(clip(":warning: "+escape(f.Notice), maxText)), nil, nil, goslack.SectionBlockOptionBlockID(BlockNotice)))
	}
	acct := goslack.NewOptionsSelectBlockElement(goslack.OptTypeExternal, plain("Type a name or an account id"), ActionAccount)
	zero := 0
	acct.MinQueryLength = &zero
	if f.AccountID != "" {
		acct.InitialOption = option(f.AccountLabel, f.AccountID)
	}
	in := goslack.NewInputBlock(BlockAccount, plain("Account"), nil, acct)
	in.DispatchAction = true
	blocks = append(blocks, in)

	maxDur := 8 * time.Hour
	switch {
	case f.AccountID == "" || c == nil:
		blocks = append(blocks, goslack.NewContextBlock("", mrkdwn("Choose an account to see the permission sets you may request.")))
	case len(c.offers) == 0:
		blocks = append(blocks, goslack.NewContextBlock("", mrkdwn("You may not request anything on this account.")))
	default:
		opts := make([]*goslack.OptionBlockObject, 0, min(len(c.offers), maxOptions))
		var initial *goslack.OptionBlockObject
		for _, o := range c.offers[:min(len(c.offers), maxOptions)] {
			opt := option(offerLabel(o), o.PermissionSetARN)
			opts = append(opts, opt)
			if c.offer != nil && c.offer.PermissionSetARN == o.PermissionSetARN {
				initial = opt
			}
		}
		sel := goslack.NewOptionsSelectBlockElement(goslack.OptTypeStatic, plain("Choose a permission set"), ActionPermissionSet, opts...)
		sel.InitialOption = initial
		// The block id names the account, so that choosing another account
		// clears the permission set Slack would otherwise keep.
		ps := goslack.NewInputBlock(BlockPermissionSet+"."+f.AccountID, plain("Permission set"), nil, sel)
		ps.DispatchAction = true
		blocks = append(blocks, ps)
		if c.offer != nil {
			maxDur = c.offer.MaxDuration
		}
	}

	var durs []*goslack.OptionBlockObject
	var initialDur *goslack.OptionBlockObject
	want := f.Duration
	if want <= 0 {
		want = defaultDurationValue
	}
	choices := slices.DeleteFunc(slices.Clone(durationChoices), func(d time.Duration) bool { return maxDur > 0 && d > maxDur })
	if maxDur > 0 && !slices.Contains(choices, maxDur) {
		choices = append(choices, maxDur)
	}
	if want <= maxDur && !slices.Contains(choices, want) {
		choices = append(choices, want)
		slices.Sort(choices)
	}
	for _, d := range choices {
		o := option(say.Duration(d), d.String())
		durs = append(durs, o)
		if d == want {
			initialDur = o
		}
	}
	if initialDur == nil && len(durs) > 0 {
		initialDur = durs[len(durs)-1]
	}
	dsel := goslack.NewOptionsSelectBlockElement(goslack.OptTypeStatic, plain("How long"), ActionDuration, durs...)
	dsel.InitialOption = initialDur
	durHint := ""
	if c != nil && c.offer != nil {
		durHint = "At most " + say.Duration(maxDur) + " for this access."
	}
	blocks = append(blocks, goslack.NewInputBlock(BlockDuration, plain("Duration"), hintOf(durHint), dsel))

	start := goslack.NewDateTimePickerBlockElement(ActionStart)
	if !f.StartAt.IsZero() {
		start.InitialDateTime = f.StartAt.Unix()
	}
	sb := goslack.NewInputBlock(BlockStart, plain("Start"), plain("Leave empty to start as soon as it is approved."), start)
	sb.Optional = true
	blocks = append(blocks, sb)

	just := goslack.NewPlainTextInputBlockElement(plain("Why you need this access"), ActionJustification)
	just.Multiline = true
	just.MaxLength = access.MaxJustificationLen
	just.InitialValue = f.Justification
	blocks = append(blocks, goslack.NewInputBlock(BlockJustification, plain("Justification"), nil, just))

	ticketLabel := "Ticket"
	if c != nil && c.offer != nil && c.offer.TicketRequired {
		ticketLabel = "Ticket (required for this access)"
	}
	tk := goslack.NewPlainTextInputBlockElement(plain("INC-42"), ActionTicket)
	tk.MaxLength = access.MaxTicketLen
	tk.InitialValue = f.Ticket
	// Optional for Slack: elevate checks it on submit and says so beside
	// the field, so that the rule, not the form, decides.
	tb := goslack.NewInputBlock(BlockTicket, plain(ticketLabel), nil, tk)
	tb.Optional = true
	blocks = append(blocks, tb)

	if c != nil && c.offer != nil {
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(clip(approversLine(c.approvers, c.required), maxText)), nil, nil,
			goslack.SectionBlockOptionBlockID(BlockApprovers)))
	}
	return goslack.ModalViewRequest{Type: goslack.VTModal, CallbackID: CallbackRequest, Title: plain("Request access"),
		Submit: plain("Request"), Close: plain("Cancel"), Blocks: goslack.Blocks{BlockSet: blocks}}
}

func hintOf(s string) *goslack.TextBlockObject {
	if s == "" {
		return nil
	}
	return plain(s)
}

// approversLine says who will decide, before the request is sent.
func approversLine(names []string, required int) string {
	if required == 0 {
		return "*Approval:* none needed: access starts at the chosen time."
	}
	who := "no one may approve it"
	if len(names) > 0 {
		who = escape(strings.Join(names, ", "))
	}
	n := "1 approval"
	if required > 1 {
		n = fmt.Sprintf("%d approvals", required)
	}
	return fmt.Sprintf("*Approvers:* %s (%s needed)", who, n)
}

// readForm reads the modal's fields from its state.
func readForm(st *goslack.ViewState) form {
	var f form
	if st == nil {
		return f
	}
	for block, actions := range st.Values {
		for id, v := range actions {
			switch {
			case block == BlockAccount && id == ActionAccount:
				f.AccountID, f.AccountLabel = v.SelectedOption.Value, textOf(v.SelectedOption.Text)
			case block == BlockDuration && id == ActionDuration:
				f.Duration, _ = time.ParseDuration(v.SelectedOption.Value)
			case block == BlockStart && id == ActionStart:
				if v.SelectedDateTime > 0 {
					f.StartAt = time.Unix(v.SelectedDateTime, 0).UTC()
				}
			case block == BlockJustification && id == ActionJustification:
				f.Justification = strings.TrimSpace(v.Value)
			case block == BlockTicket && id == ActionTicket:
				f.Ticket = strings.TrimSpace(v.Value)
			}
		}
	}
	// Only the permission set block of the chosen account counts: one of
	// another account is stale.
	if ps, ok := st.Values[BlockPermissionSet+"."+f.AccountID][ActionPermissionSet]; ok && f.AccountID != "" {
		f.PermissionSet = ps.SelectedOption.Value
	}
	return f
}

func textOf(t *goslack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	return t.Text
}

// choose finds the chosen account's offers and the chosen one, and who
// would approve it.
func (a *asker) choose(ctx context.Context, actor access.Actor, offers []Offer, f *form) (*choice, error) {
	c := &choice{}
	if f.AccountID == "" {
		return c, nil
	}
	for _, o := range offers {
		if o.AccountID == f.AccountID {
			c.offers = append(c.offers, o)
		}
	}
	if len(c.offers) == 1 && f.PermissionSet == "" {
		f.PermissionSet = c.offers[0].PermissionSetARN
	}
	for i, o := range c.offers {
		if f.PermissionSet != "" && (o.PermissionSetARN == f.PermissionSet || strings.EqualFold(o.PermissionSet, f.PermissionSet)) {
			c.offer = &c.offers[i]
			f.PermissionSet = o.PermissionSetARN
		}
	}
	if c.offer == nil {
		return c, nil
	}
	if c.offer.ApprovalsRequired > 0 {
		names, required, err := a.req.Approvers(ctx, actor, c.offer.AccountID, c.offer.PermissionSetARN)
		if err != nil {
			return c, err
		}
		c.approvers, c.required = names, max(required, c.offer.ApprovalsRequired)
	}
	return c, nil
}

// openRequest opens the request modal with f (the trigger is valid for 3
// seconds, so it opens before anything slow), then fills it: the actor's
// offers for the chosen account, the approvers, or why they may not ask.
// ready, when not nil, is the actor and offers already looked up.
func (a *asker) openRequest(ctx context.Context, slackUser, trigger string, f form, ready *resolved) {
	var c *choice
	if ready != nil && ready.err == nil {
		var err error
		if c, err = a.choose(ctx, ready.actor, ready.offers, &f); err != nil {
			f.Notice = refusalText(err)
		}
	}
	v, err := a.in.client.api.OpenViewContext(ctx, trigger, requestModal(f, c))
	if err != nil {
		a.log.WarnContext(ctx, "slack: views.open", "error", err.Error())
		return
	}
	if ready != nil && ready.err == nil {
		return
	}
	if ready == nil {
		r := a.resolve(ctx, slackUser)
		ready = &r
	}
	if ready.err != nil {
		f.Notice = refusalText(ready.err)
	} else if len(ready.offers) == 0 {
		f.Notice = "The policy offers you nothing to request: ask an admin."
	} else if c, err = a.choose(ctx, ready.actor, ready.offers, &f); err != nil {
		f.Notice = refusalText(err)
	}
	if f.Notice == "" && f.AccountID == "" {
		// Nothing to fill: an update would only race with the user's first
		// choice (whose update carries the view's hash and would lose).
		return
	}
	if _, err := a.in.client.api.UpdateViewContext(ctx, requestModal(f, c), "", v.Hash, v.ID); err != nil {
		a.log.WarnContext(ctx, "slack: views.update", "error", err.Error())
	}
}

// resolved is a Slack user's directory user and what the policy offers them.
type resolved struct {
	actor  access.Actor
	offers []Offer
	err    error
}

func (a *asker) resolve(ctx context.Context, slackUser string) resolved {
	actor, err := a.in.actorOf(ctx, slackUser)
	if err != nil {
		return resolved{err: err}
	}
	offers, err := a.req.Offers(ctx, actor)
	return resolved{actor: actor, offers: offers, err: err}
}

// refreshModal follows a choice of account or permission set: the
// permission sets of the account, the durations its rule allows and the
// approvers (views.update, with the view's hash so that an older choice
// never overwrites a newer one).
func (a *asker) refreshModal(ctx context.Context, cb goslack.InteractionCallback) {
	f := readForm(cb.View.State)
	r := a.resolve(ctx, cb.User.ID)
	var c *choice
	if r.err != nil {
		f.Notice = refusalText(r.err)
	} else {
		var err error
		if c, err = a.choose(ctx, r.actor, r.offers, &f); err != nil {
			f.Notice = refusalText(err)
		}
	}
	if _, err := a.in.client.api.UpdateViewContext(ctx, requestModal(f, c), "", cb.View.Hash, cb.View.ID); err != nil {
		a.log.InfoContext(ctx, "slack: views.update after a choice", "error", err.Error())
	}
}

// suggest answers the account typeahead: at most 100 of the actor's
// eligible accounts whose name or id contains what was typed (names that
// start with it first). It answers within the ack budget, with no options
// when the lookup is slower.
func (a *asker) suggest(w http.ResponseWriter, r *http.Request, cb goslack.InteractionCallback) {
	start := time.Now()
	opts, ok := within(r.Context(), a.cfg.AckBudget, func(ctx context.Context) []*goslack.OptionBlockObject {
		actor, err := a.in.actorOf(ctx, cb.User.ID)
		var offers []Offer
		if err == nil {
			offers, err = a.suggestOffers(ctx, actor)
		}
		if err != nil {
			a.log.InfoContext(ctx, "slack: account suggestions refused", "slack_user", cb.User.ID, "reason", refusalText(err), "error", err.Error())
			return nil
		}
		return accountOptions(offers, cb.Value)
	}, nil)
	if !ok {
		a.log.WarnContext(r.Context(), "slack: account suggestions were slower than the ack budget", "budget", a.cfg.AckBudget)
	}
	a.log.DebugContext(r.Context(), "slack: account suggestions", "options", len(opts), "elapsed", time.Since(start))
	if opts == nil {
		opts = []*goslack.OptionBlockObject{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(goslack.OptionsResponse{Options: opts})
}

// accountOptions lists the accounts of offers matching q (case
// insensitive, in name or id): those whose name or id starts with q first,
// then the others, in the offers' order, at most maxOptions.
func accountOptions(offers []Offer, q string) []*goslack.OptionBlockObject {
	q = strings.ToLower(strings.TrimSpace(q))
	var first, rest []*goslack.OptionBlockObject
	last := ""
	for _, o := range offers {
		if o.AccountID == last {
			continue
		}
		last = o.AccountID
		if len(first) >= maxOptions {
			break
		}
		name := strings.ToLower(o.AccountName)
		switch {
		case q == "" || strings.HasPrefix(name, q) || strings.HasPrefix(o.AccountID, q):
			first = append(first, option(accountLabel(o.AccountName, o.AccountID), o.AccountID))
		case len(rest) < maxOptions && (strings.Contains(name, q) || strings.Contains(o.AccountID, q)):
			rest = append(rest, option(accountLabel(o.AccountName, o.AccountID), o.AccountID))
		}
	}
	out := append(first, rest...)
	return out[:min(len(out), maxOptions)]
}

// submission is the outcome of sending the modal: field errors keyed by
// block id, or the request.
type submission struct {
	errs map[string]string
	req  *access.Request
	f    form
	c    *choice
}

// submitModal sends the modal through Submit within the ack budget:
// refusals come back beside their field (response_action errors) and the
// modal then shows the request and who will decide. When the database or
// AWS is slower than the budget, the modal says it is being sent and is
// updated with the outcome when there is one.
func (a *asker) submitModal(w http.ResponseWriter, r *http.Request, cb goslack.InteractionCallback) {
	viewID := cb.View.ID
	out, ok := within(r.Context(), a.cfg.AckBudget, func(ctx context.Context) submission {
		return a.submitForm(ctx, cb.User.ID, readForm(cb.View.State))
	}, func(ctx context.Context, s submission) {
		view := a.outcomeView(s)
		if s.req == nil {
			s.f.Notice = "Not sent: " + joinErrors(s.errs)
			view = requestModal(s.f, s.c)
		}
		if _, err := a.in.client.api.UpdateViewContext(ctx, view, "", "", viewID); err != nil {
			a.log.WarnContext(ctx, "slack: views.update after a slow submission", "error", err.Error())
		}
	})
	var resp *goslack.ViewSubmissionResponse
	switch {
	case !ok:
		v := messageModal("Request access", "Sending your request… this view shows the outcome in a moment.")
		resp = goslack.NewUpdateViewSubmissionResponse(&v)
	case out.req == nil:
		resp = goslack.NewErrorsViewSubmissionResponse(out.errs)
	default:
		v := a.outcomeView(out)
		resp = goslack.NewUpdateViewSubmissionResponse(&v)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func joinErrors(errs map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(mapsKeys(errs)) {
		out = append(out, errs[k])
	}
	return strings.Join(out, " ")
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// submitForm checks the form against the actor's offers (each problem
// beside its field), then submits it.
func (a *asker) submitForm(ctx context.Context, slackUser string, f form) submission {
	s := submission{f: f, errs: map[string]string{}}
	res := a.resolve(ctx, slackUser)
	if res.err != nil {
		s.errs[BlockAccount] = refusalText(res.err)
		return s
	}
	c, err := a.choose(ctx, res.actor, res.offers, &s.f)
	s.c = c
	if err != nil {
		s.errs[BlockAccount] = refusalText(err)
		return s
	}
	f = s.f
	psBlock := BlockPermissionSet + "." + f.AccountID
	switch {
	case f.AccountID == "":
		s.errs[BlockAccount] = "Choose an account."
	case len(c.offers) == 0:
		s.errs[BlockAccount] = "You may not request anything on this account: choose another."
	case c.offer == nil:
		s.errs[psBlock] = "Choose a permission set."
	}
	if f.Justification == "" {
		s.errs[BlockJustification] = "Say why you need this access."
	}
	if c.offer != nil {
		if c.offer.TicketRequired && f.Ticket == "" {
			s.errs[BlockTicket] = "A ticket is required for this access: give the change or incident ticket."
		}
		if c.offer.MaxDuration > 0 && f.Duration > c.offer.MaxDuration {
			s.errs[BlockDuration] = "At most " + say.Duration(c.offer.MaxDuration) + " for this access."
		}
	}
	if f.Duration <= 0 {
		s.errs[BlockDuration] = "Choose a duration."
	}
	if len(s.errs) > 0 {
		return s
	}
	req, err := a.req.Submit(ctx, res.actor, Submission{AccountID: f.AccountID, PermissionSet: f.PermissionSet, Duration: f.Duration,
		StartAt: f.StartAt, Justification: f.Justification, Ticket: f.Ticket})
	if err != nil {
		if access.ErrorCode(err) == access.CodeInternal {
			a.log.ErrorContext(ctx, "slack: submit", "slack_user", slackUser, "error", err.Error())
		}
		s.errs[fieldOf(err, psBlock)] = refusalText(err)
		return s
	}
	s.req = req
	return s
}

// fieldOf is the block a refusal of Submit is about: its message names the
// field first ("duration ...", "ticket ...").
func fieldOf(err error, psBlock string) string {
	msg := strings.ToLower(refusalText(err))
	for _, p := range []struct{ prefix, block string }{
		{"duration", BlockDuration}, {"justification", BlockJustification}, {"ticket", BlockTicket},
		{"start", BlockStart}, {"permission set", psBlock}, {"permission_set", psBlock},
	} {
		if strings.HasPrefix(msg, p.prefix) {
			return p.block
		}
	}
	return BlockAccount
}

// outcomeView shows a sent request: its status and who will decide.
func (a *asker) outcomeView(s submission) goslack.ModalViewRequest {
	r := s.req
	if r == nil {
		return messageModal("Request access", "Not sent.")
	}
	head := fmt.Sprintf("*Request %s is %s.*", r.ID, say.Status(string(r.Status)))
	fields := []*goslack.TextBlockObject{
		mrkdwn("*Account*\n" + escape(s.f.AccountLabel+orID(s.f.AccountLabel, strings.Join(r.AccountIDs(), ", ")))),
		mrkdwn("*Permission set*\n" + escape(r.PermissionSetName)),
		mrkdwn("*Duration*\n" + say.Duration(r.Duration)),
		mrkdwn("*Start*\n" + startText(r)),
	}
	blocks := []goslack.Block{goslack.NewSectionBlock(mrkdwn(head), nil, nil), goslack.NewSectionBlock(nil, fields, nil)}
	if r.Status == access.StatusPending {
		names := []string{}
		if s.c != nil {
			names = s.c.approvers
		}
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(clip(approversLine(names, r.ApprovalsRequired), maxText)), nil, nil,
			goslack.SectionBlockOptionBlockID(BlockApprovers)))
	}
	if a.cfg.PublicURL != "" {
		blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(fmt.Sprintf("<%s/requests/%s|Open %s in elevate>", a.cfg.PublicURL, r.ID, r.ID))))
	}
	return goslack.ModalViewRequest{Type: goslack.VTModal, CallbackID: CallbackRequest + "_sent", Title: plain("Request access"),
		Close: plain("Done"), Blocks: goslack.Blocks{BlockSet: blocks}}
}

func orID(label, id string) string {
	if label == "" {
		return id
	}
	return ""
}

func startText(r *access.Request) string {
	if r.StartAt.IsZero() || !r.StartAt.After(r.CreatedAt.Add(time.Minute)) {
		return "when approved"
	}
	return r.StartAt.UTC().Format("2006-01-02 15:04 UTC")
}

// messageModal is a modal with one line of text.
func messageModal(title, text string) goslack.ModalViewRequest {
	return goslack.ModalViewRequest{Type: goslack.VTModal, Title: plain(clip(title, 24)), Close: plain("Close"),
		Blocks: goslack.Blocks{BlockSet: []goslack.Block{goslack.NewSectionBlock(mrkdwn(clip(escape(text), maxText)), nil, nil)}}}
}
