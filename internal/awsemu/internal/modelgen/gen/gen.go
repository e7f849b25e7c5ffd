// Package gen turns botocore service models (service-2.json) into the
// compact Go table of operations and input shapes that the awsemu emulator
// validates requests against. cmd modelgen writes its output to
// internal/awsemu/model_gen.go; awsemu's tests call Generate to check that
// the committed file is up to date.
package gen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// SourceCommit is the boto/botocore commit the model files were copied from
// (see aws-models/README.md).
const SourceCommit = "0e6e2404b85dc336dd2889814e089bde7d1a4c55"

// Service names one model directory and the operations taken from it.
type Service struct {
	Dir        string   // directory under the models root, e.g. "sso-admin"
	Operations []string // operations the emulator implements
	// Extra are named shapes that are not reachable from the operations'
	// inputs but that the emulator uses to check its seed.
	Extra []string
}

// Services is what the emulator implements. Adding an operation here and
// re-running go generate adds its input shapes to the table; the emulator's
// tests then require a handler for it.
var Services = []Service{
	{
		Dir: "sso-admin",
		Operations: []string{
			"AttachCustomerManagedPolicyReferenceToPermissionSet",
			"AttachManagedPolicyToPermissionSet",
			"CreateAccountAssignment",
			"DeleteAccountAssignment",
			"DescribeAccountAssignmentCreationStatus",
			"DescribeAccountAssignmentDeletionStatus",
			"DeleteInlinePolicyFromPermissionSet",
			"DescribePermissionSet",
			"DescribePermissionSetProvisioningStatus",
			"GetInlinePolicyForPermissionSet",
			"ListAccountAssignmentCreationStatus",
			"ListAccountAssignmentDeletionStatus",
			"ListAccountAssignments",
			"ListAccountAssignmentsForPrincipal",
			"ListAccountsForProvisionedPermissionSet",
			"ListCustomerManagedPolicyReferencesInPermissionSet",
			"ListInstances",
			"ListManagedPoliciesInPermissionSet",
			"ListPermissionSets",
			"ListPermissionSetsProvisionedToAccount",
			"ProvisionPermissionSet",
			"PutInlinePolicyToPermissionSet",
		},
		Extra: []string{"PermissionSetName", "PermissionSetDescription", "RegionName", "Duration"},
	},
	{
		Dir: "identitystore",
		Operations: []string{
			"CreateGroupMembership",
			"DeleteGroupMembership",
			"DescribeGroup",
			"DescribeUser",
			"GetGroupId",
			"GetGroupMembershipId",
			"GetUserId",
			"IsMemberInGroups",
			"ListGroupMemberships",
			"ListGroupMembershipsForMember",
			"ListGroups",
			"ListUsers",
		},
		Extra: []string{"UserName", "SensitiveStringType", "GroupDisplayName"},
	},
	{
		Dir: "organizations",
		Operations: []string{
			"AttachPolicy",
			"CreatePolicy",
			"DescribeAccount",
			"DescribeOrganization",
			"DescribePolicy",
			"ListAccounts",
			"ListAccountsForParent",
			"ListOrganizationalUnitsForParent",
			"ListParents",
			"ListPolicies",
			"ListPoliciesForTarget",
			"ListRoots",
			"UpdatePolicy",
		},
		Extra: []string{"AccountName", "Email", "OrganizationalUnitName", "AccountState"},
	},
	{
		// S3 speaks REST-XML: its operations are routed by method and
		// path, and their input members are bound to the path, the query
		// string, headers and the body (genBindings).
		Dir: "s3",
		Operations: []string{
			"CreateBucket",
			"DeleteObject",
			"GetObject",
			"ListObjectsV2",
			"PutObject",
		},
	},
}

type model struct {
	Metadata struct {
		APIVersion   string `json:"apiVersion"`
		Protocol     string `json:"protocol"`
		TargetPrefix string `json:"targetPrefix"`
		ServiceID    string `json:"serviceId"`
	} `json:"metadata"`
	Operations map[string]struct {
		HTTP struct {
			Method     string `json:"method"`
			RequestURI string `json:"requestUri"`
		} `json:"http"`
		Input  *struct{ Shape string }  `json:"input"`
		Errors []struct{ Shape string } `json:"errors"`
	} `json:"operations"`
	Shapes map[string]modelShape `json:"shapes"`
}

type modelShape struct {
	Type     string                  `json:"type"`
	Pattern  *string                 `json:"pattern"`
	Min      *float64                `json:"min"`
	Max      *float64                `json:"max"`
	Enum     []string                `json:"enum"`
	Required []string                `json:"required"`
	Union    bool                    `json:"union"`
	Document bool                    `json:"document"`
	Member   *struct{ Shape string } `json:"member"`
	Key      *struct{ Shape string } `json:"key"`
	Value    *struct{ Shape string } `json:"value"`
	Members  map[string]struct {
		Shape        string `json:"shape"`
		Location     string `json:"location"`
		LocationName string `json:"locationName"`
	} `json:"members"`
	Payload string `json:"payload"`
}

type serviceOut struct {
	dir, prefix, version, sha, protocol string
}

type opOut struct {
	service, target, name, input string
	errors                       []string
	method, uri                  string // REST services only
}

// bindingOut says where a REST operation's input member is in the request.
type bindingOut struct {
	member, location, name string
}

type shapeOut struct {
	typ            string
	pattern, note  string
	min, max       int64
	hasMin, hasMax bool
	enum           []string
	member         string
	key, value     string
	members        []memberOut
}

type memberOut struct {
	name, shape string
	required    bool
}

// Generate reads <models>/<dir>/service-2.json for every service and returns
// the gofmt'ed source of model_gen.go.
func Generate(models string) ([]byte, error) {
	var svcs []serviceOut
	var ops, restOps []opOut
	bindings := map[string][]bindingOut{}
	shapes := map[string]shapeOut{}
	for _, s := range Services {
		path := filepath.Join(models, s.Dir, "service-2.json")
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read model: %w", err)
		}
		var m model
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		rest := m.Metadata.Protocol == "rest-xml"
		if !rest && (m.Metadata.Protocol != "json" || m.Metadata.TargetPrefix == "") {
			return nil, fmt.Errorf("%s: protocol %q with target prefix %q is neither awsJson nor REST-XML", path, m.Metadata.Protocol, m.Metadata.TargetPrefix)
		}
		sum := sha256.Sum256(raw)
		svcs = append(svcs, serviceOut{dir: s.Dir, prefix: m.Metadata.TargetPrefix, version: m.Metadata.APIVersion, sha: hex.EncodeToString(sum[:]), protocol: m.Metadata.Protocol})
		w := &walker{svc: s.Dir, m: &m, out: shapes}
		for _, name := range s.Operations {
			op, ok := m.Operations[name]
			if !ok {
				return nil, fmt.Errorf("%s: no operation %s", path, name)
			}
			o := opOut{service: s.Dir, target: m.Metadata.TargetPrefix + "." + name, name: name}
			if op.Input != nil {
				key, err := w.visit(op.Input.Shape)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", s.Dir, name, err)
				}
				o.input = key
			}
			for _, e := range op.Errors {
				o.errors = append(o.errors, e.Shape)
			}
			sort.Strings(o.errors)
			if !rest {
				ops = append(ops, o)
				continue
			}
			o.target = s.Dir + "." + name
			o.method, o.uri = op.HTTP.Method, op.HTTP.RequestURI
			if op.Input != nil {
				in := m.Shapes[op.Input.Shape]
				names := make([]string, 0, len(in.Members))
				for n := range in.Members {
					names = append(names, n)
				}
				sort.Strings(names)
				var bs []bindingOut
				for _, n := range names {
					mem := in.Members[n]
					loc, ln := mem.Location, mem.LocationName
					if loc == "" {
						loc, ln = "body", ""
						if n != in.Payload {
							continue // not bound to the request (S3 has none)
						}
					}
					bs = append(bs, bindingOut{member: n, location: loc, name: ln})
				}
				bindings[o.input] = bs
			}
			restOps = append(restOps, o)
		}
		for _, name := range s.Extra {
			if _, err := w.visit(name); err != nil {
				return nil, fmt.Errorf("%s extra shape: %w", s.Dir, err)
			}
		}
	}
	src := render(svcs, ops, restOps, bindings, shapes)
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("gofmt generated source: %w", err)
	}
	return out, nil
}

type walker struct {
	svc string
	m   *model
	out map[string]shapeOut
}

// visit adds the named shape and everything it references; it returns the
// table key "<svc>.<Shape>".
func (w *walker) visit(name string) (string, error) {
	key := w.svc + "." + name
	if _, done := w.out[key]; done {
		return key, nil
	}
	s, ok := w.m.Shapes[name]
	if !ok {
		return "", fmt.Errorf("unknown shape %s", name)
	}
	o := shapeOut{typ: s.Type, enum: s.Enum}
	w.out[key] = o // placeholder against cycles
	if s.Min != nil {
		o.min, o.hasMin = int64(*s.Min), true
	}
	if s.Max != nil {
		o.max, o.hasMax = int64(*s.Max), true
	}
	if s.Pattern != nil {
		o.pattern, o.note = translatePattern(*s.Pattern)
	}
	var err error
	switch s.Type {
	case "list":
		if o.member, err = w.visit(s.Member.Shape); err != nil {
			return "", err
		}
	case "map":
		if o.key, err = w.visit(s.Key.Shape); err != nil {
			return "", err
		}
		if o.value, err = w.visit(s.Value.Shape); err != nil {
			return "", err
		}
	case "structure":
		switch {
		case s.Document:
			o.typ = "document"
		case s.Union:
			o.typ = "union"
		}
		if o.typ == "document" {
			break
		}
		req := map[string]bool{}
		for _, r := range s.Required {
			req[r] = true
		}
		names := make([]string, 0, len(s.Members))
		for n := range s.Members {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			mk, err := w.visit(s.Members[n].Shape)
			if err != nil {
				return "", err
			}
			o.members = append(o.members, memberOut{name: n, shape: mk, required: req[n]})
		}
	}
	w.out[key] = o
	return key, nil
}

var (
	unicodeEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)
)

// translatePattern rewrites a model pattern (Java/ECMAScript syntax) into
// RE2. \uXXXX becomes \x{XXXX}; look-around groups, which RE2 lacks, are
// dropped (the pattern then accepts a few more strings than AWS's). A
// pattern that still does not compile is skipped: it is returned empty with
// a note.
func translatePattern(p string) (string, string) {
	out := unicodeEscape.ReplaceAllString(p, `\x{$1}`)
	var notes []string
	if out != p {
		notes = append(notes, `\uXXXX rewritten as \x{XXXX}`)
	}
	if stripped, n := stripLookaround(out); n > 0 {
		out = stripped
		notes = append(notes, fmt.Sprintf("%d look-ahead/look-behind group(s) dropped, so the check is looser than AWS's", n))
	}
	if _, err := regexp.Compile(`^(?:` + out + `)$`); err != nil {
		return "", fmt.Sprintf("pattern %q skipped: RE2 cannot compile it (%v)", p, err)
	}
	return out, strings.Join(notes, "; ")
}

// stripLookaround removes (?=…), (?!…), (?<=…) and (?<!…) groups.
func stripLookaround(p string) (string, int) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			b.WriteString(p[i : i+2])
			i++
			continue
		}
		if strings.HasPrefix(p[i:], "(?=") || strings.HasPrefix(p[i:], "(?!") ||
			strings.HasPrefix(p[i:], "(?<=") || strings.HasPrefix(p[i:], "(?<!") {
			depth := 0
			j := i
			for ; j < len(p); j++ {
				switch p[j] {
				case '\\':
					j++
				case '(':
					depth++
				case ')':
					depth--
				}
				if depth == 0 {
					break
				}
			}
			n++
			i = j
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String(), n
}

// goString quotes s as a raw string when that is readable, else as an
// interpreted one.
func goString(s string) string {
	for _, r := range s {
		if r < 0x20 || r > 0x7e || r == '`' {
			return strconv.QuoteToASCII(s)
		}
	}
	return "`" + s + "`"
}

func render(svcs []serviceOut, ops, restOps []opOut, bindings map[string][]bindingOut, shapes map[string]shapeOut) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by internal/modelgen; DO NOT EDIT.\n")
	p("//\n// Source: AWS service models from boto/botocore commit %s\n", SourceCommit)
	p("// (https://github.com/boto/botocore/tree/%s/botocore/data):\n", SourceCommit)
	for _, s := range svcs {
		p("//   - %s/%s/service-2.json (sha256 %s)\n", s.dir, s.version, s.sha)
	}
	p("//\n// botocore and its model files are licensed under the Apache License,\n")
	p("// Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0). This file is a\n")
	p("// derived, abridged description of those models: only the operations the\n")
	p("// emulator implements and the input shapes they reference.\n//\n")
	var notes []string
	keys := make([]string, 0, len(shapes))
	for k := range shapes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if n := shapes[k].note; n != "" {
			notes = append(notes, fmt.Sprintf("//   - %s: %s\n", k, n))
		}
	}
	if len(notes) > 0 {
		p("// Patterns translated to Go's RE2 syntax:\n")
		for _, n := range notes {
			b.WriteString(n)
		}
		p("//\n")
	}
	p("// Regenerate with `go generate ./internal/awsemu` (needs ../shared/aws-models).\n\n")
	p("package awsemu\n\n")
	p("// genSourceCommit is the botocore commit the table was generated from.\n")
	p("const genSourceCommit = %q\n\n", SourceCommit)
	p("// genServices are the model directories, with their X-Amz-Target prefix.\n")
	p("var genServices = []genService{\n")
	for _, s := range svcs {
		if s.protocol == "rest-xml" {
			p("\t{Dir: %q, Protocol: %q, APIVersion: %q},\n", s.dir, s.protocol, s.version)
			continue
		}
		p("\t{Dir: %q, TargetPrefix: %q, APIVersion: %q},\n", s.dir, s.prefix, s.version)
	}
	p("}\n\n")
	p("// genOperations are the implemented operations, by X-Amz-Target.\n")
	p("var genOperations = []genOperation{\n")
	for _, o := range ops {
		p("\t{Service: %q, Target: %q, Name: %q, Input: %q, Errors: []string{", o.service, o.target, o.name, o.input)
		for i, e := range o.errors {
			if i > 0 {
				p(", ")
			}
			p("%q", e)
		}
		p("}},\n")
	}
	p("}\n\n")
	if len(restOps) > 0 {
		p("// genRESTOperations are the implemented operations of the REST services,\n")
		p("// routed by method and path.\n")
		p("var genRESTOperations = []genRESTOperation{\n")
		for _, o := range restOps {
			p("\t{Service: %q, Name: %q, Method: %q, URI: %q, Input: %q, Errors: []string{", o.service, o.name, o.method, o.uri, o.input)
			for i, e := range o.errors {
				if i > 0 {
					p(", ")
				}
				p("%q", e)
			}
			p("}},\n")
		}
		p("}\n\n")
		p("// genBindings say where each input member of a REST operation is in the\n")
		p("// request: uri, querystring, header, headers (a prefix) or body.\n")
		p("var genBindings = map[string][]genBinding{\n")
		keys := make([]string, 0, len(bindings))
		for k := range bindings {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p("\t%q: {\n", k)
			for _, b := range bindings[k] {
				p("\t\t{Member: %q, Location: %q, Name: %q},\n", b.member, b.location, b.name)
			}
			p("\t},\n")
		}
		p("}\n\n")
	}
	p("// genShapes are the named shapes, keyed \"<service dir>.<shape name>\".\n")
	p("var genShapes = map[string]genShape{\n")
	for _, k := range keys {
		s := shapes[k]
		var f []string
		f = append(f, "Type: "+strconv.Quote(s.typ))
		if s.pattern != "" {
			f = append(f, "Pattern: "+goString(s.pattern))
		}
		if s.hasMin {
			f = append(f, fmt.Sprintf("Min: %d, HasMin: true", s.min))
		}
		if s.hasMax {
			f = append(f, fmt.Sprintf("Max: %d, HasMax: true", s.max))
		}
		if len(s.enum) > 0 {
			q := make([]string, len(s.enum))
			for i, e := range s.enum {
				q[i] = strconv.Quote(e)
			}
			f = append(f, "Enum: []string{"+strings.Join(q, ", ")+"}")
		}
		if s.member != "" {
			f = append(f, "Member: "+strconv.Quote(s.member))
		}
		if s.key != "" {
			f = append(f, "Key: "+strconv.Quote(s.key)+", Value: "+strconv.Quote(s.value))
		}
		if len(s.members) > 0 {
			var ms []string
			for _, m := range s.members {
				ms = append(ms, fmt.Sprintf("{%q, %q, %t}", m.name, m.shape, m.required))
			}
			f = append(f, "Members: []genMember{\n\t\t"+strings.Join(ms, ",\n\t\t")+",\n\t}")
		}
		p("\t%q: {%s},\n", k, strings.Join(f, ", "))
	}
	p("}\n")
	return b.Bytes()
}
