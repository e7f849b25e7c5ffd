package awsemu

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The emulator's CloudTrail Lake and CloudWatch Logs Insights queries.
//
// Neither language is implemented in full. The emulator parses the shape of
// query that elevate's activity sources generate (internal/aws) and refuses
// anything else with AWS's error (InvalidQueryStatementException for Lake,
// MalformedQueryException for Insights), so that a value that broke out of
// its string literal changes the parsed shape and is refused, instead of
// silently matching more events.
//
// Lake (SQL, strings in '…' with '' for a quote; no backslash escapes):
//
//	SELECT col {, col} FROM <event data store id> WHERE expr
//	       [ORDER BY col [ASC|DESC]] [LIMIT n]
//	col    = path | element_at(path, 'key')
//	expr   = term {OR term};  term = factor {AND factor}
//	factor = '(' expr ')' | col (=|<>|!=|<|<=|>|>=) 'string'
//	       | col LIKE 'pattern' [ESCAPE 'c']          (% and _ wildcards)
//
// Insights (strings in "…" with \" and \\ escapes):
//
//	fields path {, path} | filter expr [| sort path [asc|desc]] [| limit n]
//	factor = '(' expr ')' | path (=|!=|<|<=|>|>=) "string" | path like "substring"
//
// A path is a dotted name into the CloudTrail event (userIdentity.arn),
// matched case-insensitively; eventTime compares as a time.

// dialect selects the query language.
type dialect int

const (
	dialectLake dialect = iota
	dialectInsights
)

// queryError is a refused query; the caller turns it into the service's error.
type queryError struct{ msg string }

func (e *queryError) Error() string { return e.msg }

func qerrf(format string, args ...any) error { return &queryError{msg: fmt.Sprintf(format, args...)} }

type tokKind int

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokPunct
	tokEOF
)

type token struct {
	kind tokKind
	text string // identifier, punctuation, or the unescaped string value
	pos  int
}

// tokenize splits a query into tokens.
func tokenize(q string, d dialect) ([]token, error) {
	var out []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' && d == dialectLake:
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(q) {
					return nil, qerrf("unterminated string literal at position %d", i)
				}
				if q[j] == '\'' {
					if j+1 < len(q) && q[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(q[j])
				j++
			}
			out = append(out, token{kind: tokString, text: b.String(), pos: i})
			i = j + 1
		case c == '"' && d == dialectInsights:
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(q) {
					return nil, qerrf("unterminated string literal at position %d", i)
				}
				if q[j] == '\\' {
					if j+1 >= len(q) {
						return nil, qerrf("unterminated escape at position %d", j)
					}
					b.WriteByte(q[j+1])
					j += 2
					continue
				}
				if q[j] == '"' {
					break
				}
				b.WriteByte(q[j])
				j++
			}
			out = append(out, token{kind: tokString, text: b.String(), pos: i})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j < len(q) && isIdentByte(q[j]) { // an id such as an event data store's UUID
				for j < len(q) && (isIdentByte(q[j]) || (q[j] >= '0' && q[j] <= '9')) {
					j++
				}
				out = append(out, token{kind: tokIdent, text: q[i:j], pos: i})
				i = j
				continue
			}
			out = append(out, token{kind: tokNumber, text: q[i:j], pos: i})
			i = j
		case isIdentByte(c):
			j := i
			for j < len(q) && (isIdentByte(q[j]) || (q[j] >= '0' && q[j] <= '9') || q[j] == '.') {
				j++
			}
			out = append(out, token{kind: tokIdent, text: q[i:j], pos: i})
			i = j
		default:
			two := ""
			if i+1 < len(q) {
				two = q[i : i+2]
			}
			switch two {
			case "<=", ">=", "<>", "!=":
				out = append(out, token{kind: tokPunct, text: two, pos: i})
				i += 2
				continue
			}
			if strings.IndexByte("(),|=<>", c) < 0 {
				return nil, qerrf("unexpected character %q at position %d", c, i)
			}
			out = append(out, token{kind: tokPunct, text: string(c), pos: i})
			i++
		}
	}
	return append(out, token{kind: tokEOF, pos: len(q)}), nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '@' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// column is a selected or compared value of an event.
type column struct {
	path []string // dotted path
	key  string   // element_at(path, key), or ""
	name string   // as written, the result's field name
}

// cond is a node of the WHERE/filter expression.
type cond struct {
	op    string // "and", "or", or a comparison: = <> < <= > >= like
	kids  []*cond
	col   column
	value string
	like  *regexp.Regexp
}

// parsedQuery is a query of either dialect.
type parsedQuery struct {
	cols    []column
	from    string // Lake only
	where   *cond
	orderBy *column
	desc    bool
	limit   int // 0: none
}

type parser struct {
	toks []token
	i    int
	d    dialect
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// keyword consumes an identifier equal (case-insensitively) to kw.
func (p *parser) keyword(kw string) bool {
	t := p.peek()
	if t.kind == tokIdent && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKeyword(kw string) error {
	if !p.keyword(kw) {
		return qerrf("expected %s at position %d, found %q", kw, p.peek().pos, p.peek().text)
	}
	return nil
}

func (p *parser) punct(s string) bool {
	t := p.peek()
	if t.kind == tokPunct && t.text == s {
		p.i++
		return true
	}
	return false
}

var reservedWords = map[string]bool{"select": true, "from": true, "where": true, "and": true, "or": true, "like": true,
	"escape": true, "order": true, "by": true, "limit": true, "fields": true, "filter": true, "sort": true, "not": true}

func (p *parser) path() (column, error) {
	t := p.next()
	if t.kind != tokIdent || reservedWords[strings.ToLower(t.text)] {
		return column{}, qerrf("expected a column name at position %d, found %q", t.pos, t.text)
	}
	parts := strings.Split(t.text, ".")
	for _, part := range parts {
		if part == "" {
			return column{}, qerrf("invalid column name %q at position %d", t.text, t.pos)
		}
	}
	return column{path: parts, name: t.text}, nil
}

func (p *parser) column() (column, error) {
	if p.d == dialectLake && strings.EqualFold(p.peek().text, "element_at") && p.peek().kind == tokIdent {
		p.next()
		if !p.punct("(") {
			return column{}, qerrf("expected ( after element_at at position %d", p.peek().pos)
		}
		c, err := p.path()
		if err != nil {
			return column{}, err
		}
		if !p.punct(",") {
			return column{}, qerrf("expected , in element_at at position %d", p.peek().pos)
		}
		k := p.next()
		if k.kind != tokString {
			return column{}, qerrf("expected a string key in element_at at position %d", k.pos)
		}
		if !p.punct(")") {
			return column{}, qerrf("expected ) after element_at at position %d", p.peek().pos)
		}
		c.key = k.text
		c.name = c.name + "." + k.text
		return c, nil
	}
	return p.path()
}

func (p *parser) columns() ([]column, error) {
	var cols []column
	for {
		c, err := p.column()
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
		if !p.punct(",") {
			return cols, nil
		}
	}
}

func (p *parser) expr() (*cond, error) { return p.chain("or", p.term) }

func (p *parser) term() (*cond, error) { return p.chain("and", p.factor) }

// chain parses operand (op operand)*, one level of the grammar.
func (p *parser) chain(op string, operand func() (*cond, error)) (*cond, error) {
	left, err := operand()
	if err != nil {
		return nil, err
	}
	kids := []*cond{left}
	for p.keyword(op) {
		c, err := operand()
		if err != nil {
			return nil, err
		}
		kids = append(kids, c)
	}
	if len(kids) == 1 {
		return left, nil
	}
	return &cond{op: op, kids: kids}, nil
}

func (p *parser) factor() (*cond, error) {
	if p.punct("(") {
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		if !p.punct(")") {
			return nil, qerrf("expected ) at position %d, found %q", p.peek().pos, p.peek().text)
		}
		return c, nil
	}
	col, err := p.column()
	if err != nil {
		return nil, err
	}
	if p.keyword("like") {
		v := p.next()
		if v.kind != tokString {
			return nil, qerrf("expected a string after LIKE at position %d", v.pos)
		}
		if p.d == dialectInsights {
			return &cond{op: "like", col: col, value: v.text, like: regexp.MustCompile(regexp.QuoteMeta(v.text))}, nil
		}
		esc := ""
		if p.keyword("escape") {
			e := p.next()
			if e.kind != tokString || len([]rune(e.text)) != 1 {
				return nil, qerrf("ESCAPE needs a one-character string at position %d", e.pos)
			}
			esc = e.text
		}
		re, err := likeRegexp(v.text, esc)
		if err != nil {
			return nil, err
		}
		return &cond{op: "like", col: col, value: v.text, like: re}, nil
	}
	op := p.next()
	if op.kind != tokPunct || !comparisonOps[op.text] {
		return nil, qerrf("expected a comparison after %s at position %d, found %q", col.name, op.pos, op.text)
	}
	if p.d == dialectInsights && op.text == "<>" {
		return nil, qerrf("unexpected <> at position %d", op.pos)
	}
	v := p.next()
	if v.kind != tokString {
		return nil, qerrf("expected a string literal after %s at position %d, found %q", op.text, v.pos, v.text)
	}
	o := op.text
	if o == "!=" {
		o = "<>"
	}
	return &cond{op: o, col: col, value: v.text}, nil
}

var comparisonOps = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

// likeRegexp translates a SQL LIKE pattern.
func likeRegexp(pat, esc string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^(?s:")
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case esc != "" && string(r) == esc:
			if i+1 >= len(rs) {
				return nil, qerrf("LIKE pattern ends with the escape character")
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(")$")
	return regexp.Compile(b.String())
}

// parseLakeQuery parses a Lake SQL statement of the supported shape.
func parseLakeQuery(q string) (*parsedQuery, error) {
	toks, err := tokenize(q, dialectLake)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, d: dialectLake}
	out := &parsedQuery{}
	if err := p.expectKeyword("select"); err != nil {
		return nil, err
	}
	if out.cols, err = p.columns(); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("from"); err != nil {
		return nil, err
	}
	from := p.next()
	if from.kind != tokIdent {
		return nil, qerrf("expected an event data store id after FROM at position %d", from.pos)
	}
	out.from = from.text
	if err := p.expectKeyword("where"); err != nil {
		return nil, err
	}
	if out.where, err = p.expr(); err != nil {
		return nil, err
	}
	if p.keyword("order") {
		if err := p.expectKeyword("by"); err != nil {
			return nil, err
		}
		c, err := p.path()
		if err != nil {
			return nil, err
		}
		out.orderBy = &c
		if p.keyword("desc") {
			out.desc = true
		} else {
			p.keyword("asc")
		}
	}
	if p.keyword("limit") {
		if out.limit, err = p.number(); err != nil {
			return nil, err
		}
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, qerrf("unexpected %q at position %d", t.text, t.pos)
	}
	return out, nil
}

// parseInsightsQuery parses an Insights query of the supported shape.
func parseInsightsQuery(q string) (*parsedQuery, error) {
	toks, err := tokenize(q, dialectInsights)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, d: dialectInsights}
	out := &parsedQuery{}
	if err := p.expectKeyword("fields"); err != nil {
		return nil, err
	}
	if out.cols, err = p.columns(); err != nil {
		return nil, err
	}
	if !p.punct("|") {
		return nil, qerrf("expected | filter at position %d", p.peek().pos)
	}
	if err := p.expectKeyword("filter"); err != nil {
		return nil, err
	}
	if out.where, err = p.expr(); err != nil {
		return nil, err
	}
	for p.punct("|") {
		switch {
		case p.keyword("sort"):
			c, err := p.path()
			if err != nil {
				return nil, err
			}
			out.orderBy = &c
			if p.keyword("desc") {
				out.desc = true
			} else {
				p.keyword("asc")
			}
		case p.keyword("limit"):
			if out.limit, err = p.number(); err != nil {
				return nil, err
			}
		default:
			return nil, qerrf("unsupported command %q at position %d", p.peek().text, p.peek().pos)
		}
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, qerrf("unexpected %q at position %d", t.text, t.pos)
	}
	return out, nil
}

func (p *parser) number() (int, error) {
	t := p.next()
	if t.kind != tokNumber {
		return 0, qerrf("expected a number at position %d", t.pos)
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 1 {
		return 0, qerrf("invalid number %q at position %d", t.text, t.pos)
	}
	return n, nil
}

// lookup returns the value of c in the event, and whether it is present.
func (c column) lookup(ev map[string]any) (string, bool) {
	var cur any = ev
	for _, part := range c.path {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur, ok = getFold(m, part)
		if !ok {
			return "", false
		}
	}
	if c.key != "" {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		if cur, ok = getFold(m, c.key); !ok {
			return "", false
		}
	}
	switch v := cur.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	default:
		return fmt.Sprint(v), true
	}
}

func getFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// eval reports whether the event satisfies the condition.
func (c *cond) eval(ev map[string]any) bool {
	switch c.op {
	case "and":
		for _, k := range c.kids {
			if !k.eval(ev) {
				return false
			}
		}
		return true
	case "or":
		for _, k := range c.kids {
			if k.eval(ev) {
				return true
			}
		}
		return false
	}
	v, ok := c.col.lookup(ev)
	if !ok {
		return false // SQL NULL: no comparison holds
	}
	if c.op == "like" {
		return c.like.MatchString(v)
	}
	cmp := compareValues(c.col, v, c.value)
	switch c.op {
	case "=":
		return cmp == 0
	case "<>":
		return cmp != 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return false
}

// compareValues compares as times for eventTime, else as strings.
func compareValues(c column, a, b string) int {
	if len(c.path) == 1 && strings.EqualFold(c.path[0], "eventTime") {
		ta, errA := parseEventTime(a)
		tb, errB := parseEventTime(b)
		if errA == nil && errB == nil {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(a, b)
}

// parseEventTime accepts CloudTrail's RFC 3339 and Lake's 'YYYY-MM-DD hh:mm:ss[.fff]'.
func parseEventTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a time")
}

// validQueryText refuses control characters other than white space, which
// no generated query contains.
func validQueryText(q string) error {
	for i, r := range q {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return qerrf("control character %U at position %d", r, i)
		}
	}
	return nil
}
