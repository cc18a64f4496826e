package message

import (
	"fmt"
	"slices"
)

// The parser builds the tree of one template with Jinja's grammar and
// operator precedence, for the subset of Jinja that messages use.

// maxNesting bounds nested expressions and blocks, so neither the parser
// nor the evaluator can recurse deep enough to exhaust the stack.
const maxNesting = 100

// Statements.
type (
	node interface{}

	textNode   struct{ text string }
	outputNode struct{ expr expr }
	ifNode     struct {
		conds  []expr
		bodies [][]node
		orElse []node
	}
	forNode struct {
		targets []string
		iter    expr
		cond    expr // for x in y if cond
		body    []node
		orElse  []node
	}
	setNode struct {
		names []string // {% set a, b = … %}
		name  string
		attr  string // {% set ns.attr = … %}
		expr  expr
	}
	setBlockNode struct {
		name    string
		filters []*filterExpr // applied to the captured text, input nil
		body    []node
	}
	filterBlockNode struct {
		filters []*filterExpr
		body    []node
	}
	withNode struct {
		names []string
		exprs []expr
		body  []node
	}
)

// Expressions.
type (
	expr interface{}

	constExpr struct{ val any }
	nameExpr  struct{ name string }
	attrExpr  struct {
		obj  expr
		name string
	}
	itemExpr  struct{ obj, key expr }
	sliceExpr struct {
		obj              expr
		start, stop, stp expr // nil when left out
	}
	callExpr struct {
		fn     expr // nameExpr (a global) or attrExpr (a method)
		args   []expr
		kwargs []kwarg
	}
	filterExpr struct {
		in     expr
		name   string
		args   []expr
		kwargs []kwarg
	}
	testExpr struct {
		in     expr
		name   string
		args   []expr
		negate bool
	}
	binExpr struct {
		op   string
		l, r expr
	}
	compareExpr struct {
		first expr
		ops   []string
		rest  []expr
	}
	andExpr  struct{ l, r expr }
	orExpr   struct{ l, r expr }
	notExpr  struct{ x expr }
	negExpr  struct{ x expr }
	condExpr struct{ then, cond, orElse expr }
	listExpr struct{ items []expr }
	dictExpr struct{ keys, vals []expr }
)

type kwarg struct {
	name string
	val  expr
}

type parser struct {
	toks  []token
	pos   int
	depth int
}

// parse turns src into its statements.
func parse(src string) (body []node, err error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			body, err = nil, se
		}
	}()
	body, end := p.body()
	if end != "" {
		p.failAt(p.toks[p.pos-1], "unexpected '%s'", end)
	}
	return body, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tkEOF {
		p.pos++
	}
	return t
}

func (p *parser) failAt(t token, format string, args ...any) {
	panic(&syntaxError{line: t.line, msg: fmt.Sprintf(format, args...)})
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tkOp && t.val == op
}

func (p *parser) isName(name string) bool {
	t := p.peek()
	return t.kind == tkName && t.val == name
}

func (p *parser) expectOp(op string) {
	if t := p.next(); t.kind != tkOp || t.val != op {
		p.failAt(t, "expected '%s', found %s", op, t)
	}
}

func (p *parser) expectName() string {
	t := p.next()
	if t.kind != tkName {
		p.failAt(t, "expected a name, found %s", t)
	}
	return t.val
}

func (p *parser) expectKeyword(name string) {
	if t := p.next(); t.kind != tkName || t.val != name {
		p.failAt(t, "expected '%s', found %s", name, t)
	}
}

func (p *parser) expectKind(kind tokKind, what string) {
	if t := p.next(); t.kind != kind {
		p.failAt(t, "expected %s, found %s", what, t)
	}
}

func (p *parser) nest() func() {
	p.depth++
	if p.depth > maxNesting {
		p.failAt(p.peek(), "template nests deeper than %d levels", maxNesting)
	}
	return func() { p.depth-- }
}

// body parses statements up to the end of the template or a block tag the
// caller handles (endif, else, …), whose name it returns after consuming
// '{%' and the name.
func (p *parser) body(ends ...string) ([]node, string) {
	defer p.nest()()
	var out []node
	for {
		t := p.next()
		switch t.kind {
		case tkEOF:
			if len(ends) > 0 {
				p.failAt(t, "unexpected end of template, expected '%s'", ends[0])
			}
			return out, ""
		case tkText:
			out = append(out, &textNode{t.val})
		case tkVarBegin:
			e := p.expression()
			p.expectKind(tkVarEnd, "'}}'")
			out = append(out, &outputNode{e})
		case tkBlockBegin:
			nameTok := p.peek()
			name := p.expectName()
			if slices.Contains(ends, name) {
				return out, name
			}
			switch name {
			case "if":
				out = append(out, p.ifStmt())
			case "for":
				out = append(out, p.forStmt())
			case "set":
				out = append(out, p.setStmt())
			case "filter":
				filters := p.filterChain()
				p.expectKind(tkBlockEnd, "'%}'")
				b, _ := p.body("endfilter")
				p.expectKind(tkBlockEnd, "'%}'")
				out = append(out, &filterBlockNode{filters, b})
			case "with":
				out = append(out, p.withStmt())
			default:
				if len(ends) > 0 && isEnd(name) {
					p.failAt(nameTok, "unexpected '%s', expected '%s'", name, ends[0])
				}
				if isEnd(name) || name == "else" || name == "elif" {
					p.failAt(nameTok, "unexpected '%s'", name)
				}
				p.failAt(nameTok, "statement '%s' is not allowed in a message", name)
			}
		default:
			p.failAt(t, "unexpected %s", t)
		}
	}
}

func isEnd(name string) bool { return len(name) > 3 && name[:3] == "end" }

func (p *parser) ifStmt() node {
	n := &ifNode{}
	for {
		n.conds = append(n.conds, p.expression())
		p.expectKind(tkBlockEnd, "'%}'")
		b, end := p.body("elif", "else", "endif")
		n.bodies = append(n.bodies, b)
		switch end {
		case "elif":
			continue
		case "else":
			p.expectKind(tkBlockEnd, "'%}'")
			n.orElse, _ = p.body("endif")
		}
		p.expectKind(tkBlockEnd, "'%}'")
		return n
	}
}

func (p *parser) forStmt() node {
	n := &forNode{}
	for {
		n.targets = append(n.targets, p.expectName())
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	p.expectKeyword("in")
	n.iter = p.condExpr(false)
	if p.isName("if") {
		p.next()
		n.cond = p.orExpr()
	}
	if p.isName("recursive") {
		p.failAt(p.peek(), "recursive loops are not allowed")
	}
	p.expectKind(tkBlockEnd, "'%}'")
	b, end := p.body("else", "endfor")
	n.body = b
	if end == "else" {
		p.expectKind(tkBlockEnd, "'%}'")
		n.orElse, _ = p.body("endfor")
	}
	p.expectKind(tkBlockEnd, "'%}'")
	return n
}

func (p *parser) setStmt() node {
	name := p.expectName()
	if p.isOp(".") {
		p.next()
		attr := p.expectName()
		p.expectOp("=")
		n := &setNode{name: name, attr: attr, expr: p.tupleOrExpr()}
		p.expectKind(tkBlockEnd, "'%}'")
		return n
	}
	if p.isOp("=") {
		p.next()
		n := &setNode{name: name, expr: p.tupleOrExpr()}
		p.expectKind(tkBlockEnd, "'%}'")
		return n
	}
	if p.isOp(",") {
		names := []string{name}
		for p.isOp(",") {
			p.next()
			names = append(names, p.expectName())
		}
		p.expectOp("=")
		n := &setNode{names: names, expr: p.tupleOrExpr()}
		p.expectKind(tkBlockEnd, "'%}'")
		return n
	}
	if p.isOp("[") {
		p.failAt(p.peek(), "only a name or a namespace attribute can be set")
	}
	n := &setBlockNode{name: name}
	if p.isOp("|") {
		p.next()
		n.filters = p.filterChain()
	}
	p.expectKind(tkBlockEnd, "'%}'")
	n.body, _ = p.body("endset")
	p.expectKind(tkBlockEnd, "'%}'")
	return n
}

func (p *parser) withStmt() node {
	n := &withNode{}
	for p.peek().kind != tkBlockEnd {
		if len(n.names) > 0 {
			p.expectOp(",")
		}
		n.names = append(n.names, p.expectName())
		p.expectOp("=")
		n.exprs = append(n.exprs, p.expression())
	}
	p.next()
	n.body, _ = p.body("endwith")
	p.expectKind(tkBlockEnd, "'%}'")
	return n
}

// filterChain parses `f(args) | g | …` with no input (the block's text).
func (p *parser) filterChain() []*filterExpr {
	var out []*filterExpr
	for {
		out = append(out, p.filter(nil))
		if !p.isOp("|") {
			return out
		}
		p.next()
	}
}

// tupleOrExpr is an expression, or a tuple written without parentheses.
func (p *parser) tupleOrExpr() expr {
	e := p.expression()
	if !p.isOp(",") {
		return e
	}
	items := []expr{e}
	for p.isOp(",") {
		p.next()
		if p.peek().kind == tkBlockEnd {
			break
		}
		items = append(items, p.expression())
	}
	return &listExpr{items}
}

func (p *parser) expression() expr { return p.condExpr(true) }

func (p *parser) condExpr(withCond bool) expr {
	defer p.nest()()
	e := p.orExpr()
	for withCond && p.isName("if") {
		p.next()
		cond := p.orExpr()
		var orElse expr
		if p.isName("else") {
			p.next()
			orElse = p.condExpr(true)
		}
		e = &condExpr{then: e, cond: cond, orElse: orElse}
	}
	return e
}

func (p *parser) orExpr() expr {
	e := p.andExpr()
	for p.isName("or") {
		p.next()
		e = &orExpr{e, p.andExpr()}
	}
	return e
}

func (p *parser) andExpr() expr {
	e := p.notExpr()
	for p.isName("and") {
		p.next()
		e = &andExpr{e, p.notExpr()}
	}
	return e
}

func (p *parser) notExpr() expr {
	if p.isName("not") {
		p.next()
		defer p.nest()()
		return &notExpr{p.notExpr()}
	}
	return p.compare()
}

var compareOps = []string{"==", "!=", "<", ">", "<=", ">="}

func (p *parser) compare() expr {
	first := p.math1()
	c := &compareExpr{first: first}
	for {
		t := p.peek()
		switch {
		case t.kind == tkOp && slices.Contains(compareOps, t.val):
			p.next()
			c.ops = append(c.ops, t.val)
		case t.kind == tkName && t.val == "in":
			p.next()
			c.ops = append(c.ops, "in")
		case t.kind == tkName && t.val == "not" && p.toks[p.pos+1].kind == tkName && p.toks[p.pos+1].val == "in":
			p.pos += 2
			c.ops = append(c.ops, "not in")
		default:
			if len(c.ops) == 0 {
				return first
			}
			return c
		}
		c.rest = append(c.rest, p.math1())
	}
}

func (p *parser) binLevel(ops []string, next func() expr) expr {
	e := next()
	for {
		t := p.peek()
		if t.kind != tkOp || !slices.Contains(ops, t.val) {
			return e
		}
		p.next()
		e = &binExpr{op: t.val, l: e, r: next()}
	}
}

func (p *parser) math1() expr  { return p.binLevel([]string{"+", "-"}, p.concat) }
func (p *parser) concat() expr { return p.binLevel([]string{"~"}, p.math2) }
func (p *parser) math2() expr  { return p.binLevel([]string{"*", "/", "//", "%"}, p.pow) }
func (p *parser) pow() expr    { return p.binLevel([]string{"**"}, func() expr { return p.unary(true) }) }

func (p *parser) unary(withFilter bool) expr {
	defer p.nest()()
	var e expr
	switch {
	case p.isOp("-"):
		p.next()
		e = &negExpr{p.unary(false)}
	case p.isOp("+"):
		p.next()
		e = p.unary(false)
	default:
		e = p.postfix(p.primary())
	}
	if withFilter {
		e = p.filterTests(e)
	}
	return e
}

func (p *parser) primary() expr {
	t := p.next()
	switch t.kind {
	case tkName:
		switch t.val {
		case "true", "True":
			return &constExpr{true}
		case "false", "False":
			return &constExpr{false}
		case "none", "None":
			return &constExpr{nil}
		}
		return &nameExpr{t.val}
	case tkString:
		s := t.val
		for p.peek().kind == tkString { // adjacent literals join, as in Python
			s += p.next().val
		}
		return &constExpr{s}
	case tkInt, tkFloat:
		return &constExpr{t.num}
	case tkOp:
		switch t.val {
		case "(":
			if p.isOp(")") {
				p.next()
				return &listExpr{}
			}
			e := p.expression()
			if !p.isOp(",") {
				p.expectOp(")")
				return e
			}
			items := []expr{e}
			for p.isOp(",") {
				p.next()
				if p.isOp(")") {
					break
				}
				items = append(items, p.expression())
			}
			p.expectOp(")")
			return &listExpr{items}
		case "[":
			l := &listExpr{}
			for !p.isOp("]") {
				if len(l.items) > 0 {
					p.expectOp(",")
					if p.isOp("]") {
						break
					}
				}
				l.items = append(l.items, p.expression())
			}
			p.next()
			return l
		case "{":
			d := &dictExpr{}
			for !p.isOp("}") {
				if len(d.keys) > 0 {
					p.expectOp(",")
					if p.isOp("}") {
						break
					}
				}
				d.keys = append(d.keys, p.expression())
				p.expectOp(":")
				d.vals = append(d.vals, p.expression())
			}
			p.next()
			return d
		}
	}
	p.failAt(t, "unexpected %s", t)
	return nil
}

func (p *parser) postfix(e expr) expr {
	// Each attribute, item or call nests the expression one level deeper
	// for the evaluator, which walks it recursively.
	depth := p.depth
	defer func() { p.depth = depth }()
	for {
		p.depth++
		if p.depth > maxNesting {
			p.failAt(p.peek(), "template nests deeper than %d levels", maxNesting)
		}
		switch {
		case p.isOp("."):
			p.next()
			t := p.next()
			switch t.kind {
			case tkName:
				e = &attrExpr{e, t.val}
			case tkInt:
				e = &itemExpr{e, &constExpr{t.num}}
			default:
				p.failAt(t, "expected an attribute name, found %s", t)
			}
		case p.isOp("["):
			p.next()
			e = p.subscript(e)
		case p.isOp("("):
			e = p.call(e)
		default:
			return e
		}
	}
}

func (p *parser) subscript(obj expr) expr {
	var parts [3]expr
	colons := 0
	for !p.isOp("]") {
		if p.isOp(":") {
			p.next()
			colons++
			if colons > 2 {
				p.failAt(p.peek(), "bad slice")
			}
			continue
		}
		if parts[colons] != nil {
			p.failAt(p.peek(), "expected ']', found %s", p.peek())
		}
		parts[colons] = p.expression()
	}
	p.next()
	if colons == 0 {
		if parts[0] == nil {
			p.failAt(p.peek(), "empty subscript")
		}
		return &itemExpr{obj, parts[0]}
	}
	return &sliceExpr{obj, parts[0], parts[1], parts[2]}
}

func (p *parser) args() ([]expr, []kwarg) {
	p.expectOp("(")
	var args []expr
	var kwargs []kwarg
	for !p.isOp(")") {
		if len(args)+len(kwargs) > 0 {
			p.expectOp(",")
			if p.isOp(")") {
				break
			}
		}
		if t := p.peek(); t.kind == tkName && p.toks[p.pos+1].kind == tkOp && p.toks[p.pos+1].val == "=" {
			p.pos += 2
			kwargs = append(kwargs, kwarg{t.val, p.expression()})
			continue
		}
		if len(kwargs) > 0 {
			p.failAt(p.peek(), "positional argument follows keyword argument")
		}
		args = append(args, p.expression())
	}
	p.next()
	return args, kwargs
}

func (p *parser) call(fn expr) expr {
	args, kwargs := p.args()
	return &callExpr{fn: fn, args: args, kwargs: kwargs}
}

func (p *parser) filter(in expr) *filterExpr {
	name := p.expectName()
	for p.isOp(".") { // dotted names such as ansible.builtin.to_json
		p.next()
		name += "." + p.expectName()
	}
	f := &filterExpr{in: in, name: name}
	if p.isOp("(") {
		f.args, f.kwargs = p.args()
	}
	return f
}

func (p *parser) filterTests(e expr) expr {
	for {
		switch {
		case p.isOp("|"):
			p.next()
			e = p.filter(e)
		case p.isName("is"):
			p.next()
			t := &testExpr{in: e}
			if p.isName("not") {
				p.next()
				t.negate = true
			}
			t.name = p.expectName()
			if p.isOp("(") {
				args, kwargs := p.args()
				if len(kwargs) > 0 {
					p.failAt(p.peek(), "tests take no keyword arguments")
				}
				t.args = args
			} else if k := p.peek(); k.kind == tkString || k.kind == tkInt || k.kind == tkFloat ||
				(k.kind == tkName && !slices.Contains([]string{"and", "or", "else", "if", "in", "is", "not"}, k.val)) {
				// `x is divisibleby 3`, `x is sameas none`: one argument without parentheses.
				t.args = []expr{p.postfix(p.primary())}
			}
			e = t
		default:
			return e
		}
	}
}
