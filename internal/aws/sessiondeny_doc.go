package aws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// The policy documents that end revoked users' open sessions. Each
// statement denies every action to the sessions of some Identity Center
// users (identitystore:userId) issued before a revocation
// (aws:TokenIssueTime), in one account:
//
//   - in the SCP elevate owns, scoped to the account and the permission set
//     by the role's ARN pattern (aws:PrincipalArn ArnLike
//     arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_<name>_*);
//   - in a permission set's inline policy, scoped to the account by
//     aws:PrincipalAccount (the policy only ever applies to that permission
//     set's role).
//
// Revocations that share the account, the permission set (SCP) and the
// second of the revocation share a statement that lists their users, and
// statements that differ only by permission set share one with several
// role patterns. elevate never moves a revocation's time later to share a
// statement: that would also deny the sessions of a later grant of the
// same user, which must work at once.

// DenySidPrefix starts the Sid of every statement elevate writes; in a
// permission set's inline policy it tells elevate's statements from the
// operator's, which elevate never changes.
const DenySidPrefix = "ElevateEndSessions"

// SCPMaxChars is AWS's limit on a service control policy: 5,120
// characters, whitespace included when written through the API.
const SCPMaxChars = 5120

// InlinePolicyMaxChars is the limit on a permission set's inline policy
// (the sso-admin model's PermissionSetPolicyDocument).
const InlinePolicyMaxChars = 32768

// scpEmptySid is the statement of the SCP when nothing is denied: an SCP
// needs a statement, and this one matches no session (none was issued
// before 1970), so it changes nothing.
const scpEmptySid = DenySidPrefix + "None"

// PolicyFullError reports that the statements do not fit the policy's size
// limit.
type PolicyFullError struct {
	Mechanism access.SessionDenyMechanism
	Chars     int // size the document would have
	Limit     int
}

// PolicyFull says that the statements do not fit (the workflow falls back
// on it without importing this package).
func (e *PolicyFullError) PolicyFull() bool { return true }

func (e *PolicyFullError) Error() string {
	what := "the service control policy"
	if e.Mechanism == access.DenyViaInline {
		what = "the permission set's inline policy"
	}
	return fmt.Sprintf("the session-ending statements do not fit %s: %d characters, the limit is %d", what, e.Chars, e.Limit)
}

type denyCondition struct {
	ArnLike      map[string][]string `json:"ArnLike,omitempty"`
	DateLessThan map[string]string   `json:"DateLessThan"`
	StringEquals map[string][]string `json:"StringEquals"`
}

type denyStatement struct {
	Sid       string        `json:"Sid"`
	Effect    string        `json:"Effect"`
	Action    string        `json:"Action"`
	Resource  string        `json:"Resource"`
	Condition denyCondition `json:"Condition"`
}

// SSORolePattern is the ArnLike pattern of the roles Identity Center
// creates in an account for a permission set (with or without the region
// in the path).
func SSORolePattern(partition, accountID, permissionSetName string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":iam::" + accountID + ":role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_" + permissionSetName + "_*"
}

// tokenTime formats an aws:TokenIssueTime bound.
func tokenTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// scpStatements groups denies into SCP statements, in a stable order.
func scpStatements(partition string, denies []access.SessionDeny) []denyStatement {
	type key struct {
		account, ps string
		at          time.Time
	}
	users := map[key]map[string]bool{}
	for _, d := range denies {
		k := key{d.AccountID, d.PermissionSetName, d.DenyTime()}
		if users[k] == nil {
			users[k] = map[string]bool{}
		}
		users[k][d.UserID] = true
	}
	// Merge the permission sets of statements with the same account, time
	// and users.
	type merged struct {
		account string
		at      time.Time
		users   []string
		roles   []string
	}
	byUsers := map[string]*merged{}
	for k, set := range users {
		us := sortedKeys(set)
		mk := k.account + "|" + k.at.String() + "|" + strings.Join(us, ",")
		m := byUsers[mk]
		if m == nil {
			m = &merged{account: k.account, at: k.at, users: us}
			byUsers[mk] = m
		}
		m.roles = append(m.roles, SSORolePattern(partition, k.account, k.ps))
	}
	list := make([]*merged, 0, len(byUsers))
	for _, m := range byUsers {
		sort.Strings(m.roles)
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.account != b.account {
			return a.account < b.account
		}
		return strings.Join(a.roles, ",")+strings.Join(a.users, ",") < strings.Join(b.roles, ",")+strings.Join(b.users, ",")
	})
	out := make([]denyStatement, len(list))
	for i, m := range list {
		out[i] = denyStatement{
			Sid: DenySidPrefix + strconv.Itoa(i+1), Effect: "Deny", Action: "*", Resource: "*",
			Condition: denyCondition{
				ArnLike:      map[string][]string{"aws:PrincipalArn": m.roles},
				DateLessThan: map[string]string{"aws:TokenIssueTime": tokenTime(m.at)},
				StringEquals: map[string][]string{"identitystore:userId": m.users},
			},
		}
	}
	return out
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// marshalCompact encodes v without HTML escaping or whitespace.
func marshalCompact(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // strings, slices and maps of strings: cannot fail
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// RenderSCP returns the content of the SCP elevate owns for the denies:
// compact JSON, the same for the same denies. It fails with a
// *PolicyFullError when the document would exceed SCPMaxChars.
func RenderSCP(partition string, denies []access.SessionDeny) (string, error) {
	stmts := scpStatements(partition, denies)
	if len(stmts) == 0 {
		stmts = []denyStatement{{
			Sid: scpEmptySid, Effect: "Deny", Action: "*", Resource: "*",
			Condition: denyCondition{
				DateLessThan: map[string]string{"aws:TokenIssueTime": "1970-01-01T00:00:00Z"},
				StringEquals: map[string][]string{"identitystore:userId": {"none"}},
			},
		}}
	}
	doc := string(marshalCompact(struct {
		Version   string          `json:"Version"`
		Statement []denyStatement `json:"Statement"`
	}{"2012-10-17", stmts}))
	if n := len([]rune(doc)); n > SCPMaxChars {
		return "", &PolicyFullError{Mechanism: access.DenyViaSCP, Chars: n, Limit: SCPMaxChars}
	}
	return doc, nil
}

// inlineStatements groups the denies of one permission set into inline
// statements, one per account and time.
func inlineStatements(denies []access.SessionDeny) []denyStatement {
	type key struct {
		account string
		at      time.Time
	}
	users := map[key]map[string]bool{}
	for _, d := range denies {
		k := key{d.AccountID, d.DenyTime()}
		if users[k] == nil {
			users[k] = map[string]bool{}
		}
		users[k][d.UserID] = true
	}
	keys := make([]key, 0, len(users))
	for k := range users {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if !keys[i].at.Equal(keys[j].at) {
			return keys[i].at.Before(keys[j].at)
		}
		return keys[i].account < keys[j].account
	})
	out := make([]denyStatement, len(keys))
	for i, k := range keys {
		out[i] = denyStatement{
			Sid: DenySidPrefix + strconv.Itoa(i+1), Effect: "Deny", Action: "*", Resource: "*",
			Condition: denyCondition{
				DateLessThan: map[string]string{"aws:TokenIssueTime": tokenTime(k.at)},
				StringEquals: map[string][]string{"aws:PrincipalAccount": {k.account}, "identitystore:userId": sortedKeys(users[k])},
			},
		}
	}
	return out
}

// inlineParts splits an inline policy into its top-level members other
// than Statement (raw, by name) and its statements (raw, in order).
func inlineParts(doc string) (map[string]json.RawMessage, []json.RawMessage, error) {
	if strings.TrimSpace(doc) == "" {
		return map[string]json.RawMessage{}, nil, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return nil, nil, fmt.Errorf("the permission set's inline policy is not a JSON object: %w", err)
	}
	raw, ok := top["Statement"]
	delete(top, "Statement")
	if !ok {
		return top, nil, nil
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		return top, []json.RawMessage{raw}, nil
	}
	var stmts []json.RawMessage
	if err := json.Unmarshal(raw, &stmts); err != nil {
		return nil, nil, fmt.Errorf("the Statement of the permission set's inline policy is neither an object nor an array: %w", err)
	}
	return top, stmts, nil
}

// isElevateStatement reports whether a raw statement is one elevate wrote.
func isElevateStatement(raw json.RawMessage) (bool, []string) {
	var s struct {
		Sid       string
		Condition struct {
			StringEquals map[string]any
		}
	}
	if json.Unmarshal(raw, &s) != nil || !strings.HasPrefix(s.Sid, DenySidPrefix) {
		return false, nil
	}
	var accounts []string
	switch v := s.Condition.StringEquals["aws:PrincipalAccount"].(type) {
	case string:
		accounts = append(accounts, v)
	case []any:
		for _, a := range v {
			if s, ok := a.(string); ok {
				accounts = append(accounts, s)
			}
		}
	}
	return true, accounts
}

// withoutSid returns an elevate statement in canonical form without its
// Sid (a statement's number changes when an earlier one goes), to compare
// what it denies.
func withoutSid(raw json.RawMessage) []byte {
	var s denyStatement
	if json.Unmarshal(raw, &s) != nil {
		return raw
	}
	s.Sid = ""
	return marshalCompact(s)
}

// InlineMerge is the result of MergeInline.
type InlineMerge struct {
	// Doc is the new inline policy; "" when the permission set should have
	// none (the operator had none and elevate denies nothing).
	Doc string
	// Accounts are the accounts whose deny statements changed, before or
	// after: the permission set must be provisioned again to them.
	Accounts []string
	// Changed is false when Doc equals the current policy.
	Changed bool
}

// MergeInline replaces elevate's statements in a permission set's inline
// policy with those of denies and keeps everything else: the operator's
// statements are copied byte for byte, in their order, and the other
// top-level members (Version, Id) unchanged. It fails with a
// *PolicyFullError when the result would exceed InlinePolicyMaxChars.
func MergeInline(current string, denies []access.SessionDeny) (InlineMerge, error) {
	top, stmts, err := inlineParts(current)
	if err != nil {
		return InlineMerge{}, err
	}
	var kept []json.RawMessage
	oldElevate := map[string][]byte{} // account -> its statements, to find the accounts that change
	for _, raw := range stmts {
		if ok, accounts := isElevateStatement(raw); ok {
			for _, a := range accounts {
				oldElevate[a] = append(oldElevate[a], withoutSid(raw)...)
			}
			continue
		}
		kept = append(kept, raw)
	}
	newStmts := inlineStatements(denies)
	newElevate := map[string][]byte{}
	for _, s := range newStmts {
		s.Sid = ""
		raw := marshalCompact(s)
		a := s.Condition.StringEquals["aws:PrincipalAccount"][0]
		newElevate[a] = append(newElevate[a], raw...)
	}
	var accounts []string
	for a, b := range oldElevate {
		if !bytes.Equal(b, newElevate[a]) {
			accounts = append(accounts, a)
		}
	}
	for a := range newElevate {
		if _, ok := oldElevate[a]; !ok {
			accounts = append(accounts, a)
		}
	}
	slices.Sort(accounts)
	if len(kept) == 0 && len(newStmts) == 0 {
		// No operator statement and nothing to deny: the permission set
		// had no inline policy before elevate wrote one.
		return InlineMerge{Doc: "", Accounts: accounts, Changed: strings.TrimSpace(current) != ""}, nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	version := json.RawMessage(`"2012-10-17"`)
	if v, ok := top["Version"]; ok {
		version = v
	}
	b.WriteString(`"Version":`)
	b.Write(version)
	names := make([]string, 0, len(top))
	for k := range top {
		if k != "Version" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteByte(',')
		b.Write(marshalCompact(k))
		b.WriteByte(':')
		b.Write(top[k])
	}
	b.WriteString(`,"Statement":[`)
	first := true
	for _, raw := range kept {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(raw)
	}
	for _, s := range newStmts {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(marshalCompact(s))
	}
	b.WriteString("]}")
	doc := b.String()
	if n := len(doc); n > InlinePolicyMaxChars {
		return InlineMerge{}, &PolicyFullError{Mechanism: access.DenyViaInline, Chars: n, Limit: InlinePolicyMaxChars}
	}
	return InlineMerge{Doc: doc, Accounts: accounts, Changed: doc != current}, nil
}
