package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
)

// Action ids of the App Home's buttons; each button's value is a request id.
const (
	ActionHomeRequest = "home_request"
	ActionHomeEnd     = "home_end"
	ActionHomeExtend  = "home_extend"
	ActionHomeCancel  = "home_cancel"
	ActionHomeApprove = "home_approve"
	ActionHomeReject  = "home_reject"

	// homeListMax is how many requests each App Home list shows (Slack
	// allows 100 blocks in a view; each request takes two).
	homeListMax = 14
)

// publishHome publishes the user's App Home (views.publish): their active
// access with End and Extend, their pending requests with Cancel, and what
// waits for their approval with Approve and Reject. notice, when set, is
// the outcome of the last button they pressed.
//
// Publications for one user are ordered by when they were asked for: one
// that finishes after a later one (the database answered it later) is
// dropped, so that an App Home opened before a button press never hides
// the press's outcome.
func (a *asker) publishHome(ctx context.Context, slackUser, notice string) {
	a.homeMu.Lock()
	if a.homes == nil || len(a.homes) > 10000 {
		a.homes = map[string]*homeOrder{} // bounded: start over rather than grow
	}
	o := a.homes[slackUser]
	if o == nil {
		o = &homeOrder{}
		a.homes[slackUser] = o
	}
	o.asked++
	ticket := o.asked
	a.homeMu.Unlock()
	blocks := a.homeBlocks(ctx, slackUser, notice)
	o.mu.Lock() // one publication at a time per user, in ticket order
	defer o.mu.Unlock()
	if o.sent > ticket {
		return
	}
	o.sent = ticket
	_, err := a.in.client.api.PublishViewContext(ctx, goslack.PublishViewContextRequest{UserID: slackUser,
		View: goslack.HomeTabViewRequest{Type: goslack.VTHomeTab, CallbackID: "elevate_home", Blocks: goslack.Blocks{BlockSet: blocks}}})
	if err != nil {
		a.log.WarnContext(ctx, "slack: views.publish", "slack_user", slackUser, "error", err.Error())
	}
}

func (a *asker) homeBlocks(ctx context.Context, slackUser, notice string) []goslack.Block {
	blocks := []goslack.Block{goslack.NewHeaderBlock(plain("elevate"))}
	if notice != "" {
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(clip(escape(notice), maxText)), nil, nil, goslack.SectionBlockOptionBlockID(BlockNotice)))
	}
	actor, err := a.in.actorOf(ctx, slackUser)
	if err != nil {
		return append(blocks, goslack.NewSectionBlock(mrkdwn(escape(refusalText(err))), nil, nil))
	}
	blocks = append(blocks, goslack.NewActionBlock("elevate_home_request",
		goslack.NewButtonBlockElement(ActionHomeRequest, "request", plain("Request access")).WithStyle(goslack.StylePrimary)))
	mine, err := a.req.Open(ctx, actor)
	if err != nil {
		return append(blocks, goslack.NewSectionBlock(mrkdwn(escape(refusalText(err))), nil, nil))
	}
	awaiting, err := a.req.Awaiting(ctx, actor)
	if err != nil {
		return append(blocks, goslack.NewSectionBlock(mrkdwn(escape(refusalText(err))), nil, nil))
	}
	// Requests whose rule needs a fresh multi-factor sign-in are approved
	// in the portal: their row links there instead of Approve and Reject.
	mfa := map[string]time.Duration{}
	for _, r := range awaiting {
		if d, err := a.req.ApproverMFA(ctx, actor, r.ID); err == nil && d > 0 {
			mfa[r.ID] = d
		}
	}
	var ids []string
	for _, r := range append(append([]*access.Request{}, mine...), awaiting...) {
		ids = append(ids, r.AccountIDs()...)
	}
	names, err := a.req.AccountNames(ctx, ids)
	if err != nil {
		names = map[string]string{}
	}
	where := func(r *access.Request) string {
		var out []string
		for _, id := range r.AccountIDs() {
			out = append(out, accountLabel(names[id], id))
		}
		return escape(strings.Join(out, ", "))
	}
	var active, pending []*access.Request
	for _, r := range mine {
		if r.Status == access.StatusActive {
			active = append(active, r)
		} else {
			pending = append(pending, r)
		}
	}
	list := func(title, empty string, rs []*access.Request, line func(*access.Request) string, buttons func(*access.Request) []goslack.BlockElement) {
		blocks = append(blocks, goslack.NewHeaderBlock(plain(title)))
		if len(rs) == 0 {
			blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(empty)))
			return
		}
		for _, r := range rs[:min(len(rs), homeListMax)] {
			blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(clip(line(r), maxText)), nil, nil, goslack.SectionBlockOptionBlockID("elevate_home_req."+r.ID)))
			if bs := buttons(r); len(bs) > 0 {
				blocks = append(blocks, goslack.NewActionBlock("elevate_home_act."+r.ID, bs...))
			}
		}
		if len(rs) > homeListMax {
			more := fmt.Sprintf("and %d more", len(rs)-homeListMax)
			if a.cfg.PublicURL != "" {
				more = fmt.Sprintf("<%s/requests|%s in elevate>", a.cfg.PublicURL, more)
			}
			blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(more)))
		}
	}
	list("Your active access", "No active access.", active, func(r *access.Request) string {
		s := fmt.Sprintf("*%s* on %s until %s", escape(r.PermissionSetName), where(r), r.EndsAt.UTC().Format("15:04 UTC, Jan 2"))
		if r.PendingExtension() >= 0 {
			s += " (an extension waits for approval)"
		}
		return s + a.link(r)
	}, func(r *access.Request) []goslack.BlockElement {
		end := goslack.NewButtonBlockElement(ActionHomeEnd, r.ID, plain("End")).WithStyle(goslack.StyleDanger)
		end.Confirm = goslack.NewConfirmationBlockObject(plain("End this access?"), plain("Your access to "+clip(r.PermissionSetName, 200)+" is removed now."), plain("End"), plain("Keep it"))
		bs := []goslack.BlockElement{end}
		if r.PendingExtension() < 0 && !r.EndRequested() {
			bs = append(bs, goslack.NewButtonBlockElement(ActionHomeExtend, r.ID, plain("Extend")))
		}
		return bs
	})
	list("Your pending requests", "No pending requests.", pending, func(r *access.Request) string {
		s := fmt.Sprintf("*%s* on %s for %s: %s", escape(r.PermissionSetName), where(r), say.Duration(r.Duration), say.Status(string(r.Status)))
		if r.Status == access.StatusPending && r.ApprovalsRequired > 0 {
			s += fmt.Sprintf(" (%d of %d approvals)", r.ApprovalCount(), r.ApprovalsRequired)
		}
		return s + a.link(r)
	}, func(r *access.Request) []goslack.BlockElement {
		c := goslack.NewButtonBlockElement(ActionHomeCancel, r.ID, plain("Cancel"))
		c.Confirm = goslack.NewConfirmationBlockObject(plain("Cancel this request?"), plain("The request is withdrawn."), plain("Cancel it"), plain("Keep it"))
		return []goslack.BlockElement{c}
	})
	list("Waiting for your approval", "Nothing waits for your approval.", awaiting, func(r *access.Request) string {
		s := fmt.Sprintf("*%s* requests *%s* on %s for %s\n>%s", escape(r.RequesterName), escape(r.PermissionSetName), where(r),
			say.Duration(r.Duration), escape(clip(r.Justification, 500)))
		if i := r.PendingExtension(); r.Status == access.StatusActive && i >= 0 {
			e := r.Extensions[i]
			s = fmt.Sprintf("*%s* asks to extend *%s* on %s by %s\n>%s", escape(r.RequesterName), escape(r.PermissionSetName), where(r),
				say.Duration(e.Duration), escape(clip(e.Justification, 500)))
		}
		if r.Ticket != "" {
			s += "\nTicket: " + escape(r.Ticket)
		}
		return s + a.link(r)
	}, func(r *access.Request) []goslack.BlockElement {
		if mfa[r.ID] > 0 {
			b := goslack.NewButtonBlockElement(ActionOpenLink, r.ID, plain("Approve in elevate")).WithStyle(goslack.StylePrimary)
			b.URL = a.cfg.PublicURL + "/requests/" + r.ID
			return []goslack.BlockElement{b}
		}
		if a.in.portalOnly(r.PermissionSetName) {
			b := goslack.NewButtonBlockElement(ActionOpenLink, r.ID, plain("Review in elevate"))
			b.URL = a.cfg.PublicURL + "/requests/" + r.ID
			return []goslack.BlockElement{b}
		}
		approve := goslack.NewButtonBlockElement(ActionHomeApprove, r.ID, plain("Approve")).WithStyle(goslack.StylePrimary)
		reject := goslack.NewButtonBlockElement(ActionHomeReject, r.ID, plain("Reject")).WithStyle(goslack.StyleDanger)
		reject.Confirm = goslack.NewConfirmationBlockObject(plain("Reject this request?"), plain("One rejection rejects the request."), plain("Reject"), plain("Back"))
		return []goslack.BlockElement{approve, reject}
	})
	return blocks
}

// link is a link to the request in the portal, when the portal's URL is known.
func (a *asker) link(r *access.Request) string {
	if a.cfg.PublicURL == "" {
		return ""
	}
	return fmt.Sprintf(" <%s/requests/%s|%s>", a.cfg.PublicURL, r.ID, r.ID)
}

// homeAction carries out an App Home button through the same use cases as
// the portal, then publishes the App Home again with the outcome.
func (a *asker) homeAction(ctx context.Context, slackUser string, act goslack.BlockAction) {
	id := act.Value
	notice := ""
	switch act.ActionID {
	case ActionHomeApprove, ActionHomeReject:
		verdict := ActionApprove
		if act.ActionID == ActionHomeReject {
			verdict = ActionReject
		}
		// The same path as the DM's buttons: portal-only permission sets
		// are refused there too.
		rep := a.in.handle(ctx, Decision{ActionID: verdict, RequestID: id, SlackUserID: slackUser})
		notice = rep.Text
	case ActionHomeEnd, ActionHomeCancel:
		actor, err := a.in.actorOf(ctx, slackUser)
		if err != nil {
			notice = refusalText(err)
			break
		}
		do, verb := a.req.End, "ended"
		if act.ActionID == ActionHomeCancel {
			do, verb = a.req.Cancel, "cancelled"
		}
		if r, err := do(ctx, actor, id, verb+" from Slack"); err != nil {
			notice = refusalText(err)
		} else {
			notice = fmt.Sprintf("You %s request %s (now %s).", verb, id, say.Status(string(r.Status)))
		}
	default:
		return
	}
	a.publishHome(ctx, slackUser, notice)
}

// homeOrder orders one user's App Home publications.
type homeOrder struct {
	mu          sync.Mutex
	asked, sent uint64 // asked is guarded by asker.homeMu, sent by mu
}

// extendChoices are the extensions the Extend modal offers (the rule's
// maximum is checked on submit, beside the field).
var extendChoices = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour}

// extendModal asks for how much longer and why.
func extendModal(requestID, notice string) goslack.ModalViewRequest {
	var blocks []goslack.Block
	if notice != "" {
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(clip(escape(notice), maxText)), nil, nil, goslack.SectionBlockOptionBlockID(BlockNotice)))
	}
	var opts []*goslack.OptionBlockObject
	for _, d := range extendChoices {
		opts = append(opts, option(say.Duration(d)+" more", d.String()))
	}
	sel := goslack.NewOptionsSelectBlockElement(goslack.OptTypeStatic, plain("How much longer"), ActionDuration, opts...)
	sel.InitialOption = opts[2]
	just := goslack.NewPlainTextInputBlockElement(plain("Why you need more time"), ActionJustification)
	just.Multiline = true
	just.MaxLength = access.MaxJustificationLen
	blocks = append(blocks,
		goslack.NewSectionBlock(mrkdwn("Extend request "+escape(requestID)+". An extension is approved like the request."), nil, nil),
		goslack.NewInputBlock(BlockDuration, plain("Extend by"), nil, sel),
		goslack.NewInputBlock(BlockJustification, plain("Justification"), nil, just))
	return goslack.ModalViewRequest{Type: goslack.VTModal, CallbackID: CallbackExtend, Title: plain("Extend access"),
		Submit: plain("Extend"), Close: plain("Cancel"), PrivateMetadata: requestID, Blocks: goslack.Blocks{BlockSet: blocks}}
}

// openExtend opens the Extend modal (nothing slow comes first: the trigger
// is valid for 3 seconds).
func (a *asker) openExtend(ctx context.Context, trigger, requestID, notice string) {
	if _, err := a.in.client.api.OpenViewContext(ctx, trigger, extendModal(requestID, notice)); err != nil {
		a.log.WarnContext(ctx, "slack: views.open (extend)", "error", err.Error())
	}
}

// submitExtend sends the Extend modal through Extend within the ack
// budget: a refusal comes back beside its field; on success, or when the
// work is slower than the budget, the modal closes and the App Home shows
// the outcome.
func (a *asker) submitExtend(w http.ResponseWriter, r *http.Request, cb goslack.InteractionCallback) {
	id := cb.View.PrivateMetadata
	var d time.Duration
	var just string
	if st := cb.View.State; st != nil {
		d, _ = time.ParseDuration(st.Values[BlockDuration][ActionDuration].SelectedOption.Value)
		just = strings.TrimSpace(st.Values[BlockJustification][ActionJustification].Value)
	}
	type outcome struct {
		errs   map[string]string
		notice string
	}
	run := func(ctx context.Context) outcome {
		actor, err := a.in.actorOf(ctx, cb.User.ID)
		if err != nil {
			return outcome{errs: map[string]string{BlockDuration: refusalText(err)}}
		}
		if just == "" {
			return outcome{errs: map[string]string{BlockJustification: "Say why you need more time."}}
		}
		req, err := a.req.Extend(ctx, actor, id, d, just)
		if err != nil {
			block := BlockDuration
			if strings.HasPrefix(refusalText(err), "justification") {
				block = BlockJustification
			}
			return outcome{errs: map[string]string{block: refusalText(err)}}
		}
		notice := fmt.Sprintf("You asked to extend request %s by %s: it waits for approval.", id, say.Duration(d))
		if req.PendingExtension() < 0 {
			notice = fmt.Sprintf("Request %s is extended: it now ends at %s.", id, req.EndsAt.UTC().Format("15:04 UTC, Jan 2"))
		}
		return outcome{notice: notice}
	}
	out, ok := within(r.Context(), a.cfg.AckBudget, run, func(ctx context.Context, o outcome) {
		notice := o.notice
		if notice == "" {
			notice = "Not extended: " + joinErrors(o.errs)
		}
		a.publishHome(ctx, cb.User.ID, notice)
	})
	w.Header().Set("Content-Type", "application/json")
	if ok && len(out.errs) > 0 {
		_ = json.NewEncoder(w).Encode(goslack.NewErrorsViewSubmissionResponse(out.errs))
		return
	}
	if ok {
		background(r.Context(), func(ctx context.Context) { a.publishHome(ctx, cb.User.ID, out.notice) })
	}
	_ = json.NewEncoder(w).Encode(goslack.NewClearViewSubmissionResponse())
}
