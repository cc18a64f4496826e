package message

import (
	"reflect"
	"strings"
	"unsafe"

	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// gonja evaluates operators and prints values in code no environment can
// replace, so after parsing the sandbox rewrites the template: each binary
// operator becomes a call of the private function opFunc, which estimates
// the result before gonja builds it, and each place that prints, iterates,
// tests, hashes or calls a method on a value gets a call of checkFunc or
// iterFunc around it. The names cannot be written in a template (the lexer
// never makes a name with a NUL), so users cannot reach or replace them.
const (
	opFunc    = "\x00op"
	checkFunc = "\x00check"
	iterFunc  = "\x00iter"
)

type function = func(*exec.Evaluator, *exec.VarArgs) *exec.Value

// privateGlobals adds the sandbox's functions to a render's globals.
func privateGlobals(b *budget, globals *exec.Context) {
	globals.Set(opFunc, function(b.operate))
	globals.Set(checkFunc, function(func(_ *exec.Evaluator, params *exec.VarArgs) *exec.Value {
		return b.checked(params.Args[0])
	}))
	globals.Set(iterFunc, function(func(_ *exec.Evaluator, params *exec.VarArgs) *exec.Value {
		in := params.Args[0]
		// gonja makes every item (each character of a string) a value
		// before the first iteration runs, so the count is checked first.
		if in.IsIterable() && in.Len() > maxIterations {
			return exec.AsValue(errIterations)
		}
		return in
	}))
}

// operate evaluates `l OP r`, OP being b.ops[index], with gonja's own
// evaluator once both operands are known to be small and the result of ~,
// + and * is known to stay under MaxValueSize.
func (b *budget) operate(e *exec.Evaluator, params *exec.VarArgs) *exec.Value {
	left, right, op := params.Args[0], params.Args[1], b.ops[params.Args[2].Integer()]
	l, err := b.measure(left)
	if err != nil {
		return exec.AsValue(err)
	}
	r, err := b.measure(right)
	if err != nil {
		return exec.AsValue(err)
	}
	switch op.Token.Type {
	case tokens.Tilde, tokens.Addition:
		if err := within(float64(l.size) + float64(r.size)); err != nil {
			return exec.AsValue(err)
		}
	case tokens.Multiply:
		// Only str * int repeats; gonja turns every other product into a number.
		if left.IsString() && !right.IsFloat() {
			if err := within(float64(len(left.String())) * float64(right.Integer())); err != nil {
				return exec.AsValue(err)
			}
		}
	}
	ctx := exec.NewContext(map[string]any{"l": left, "r": right})
	sub := &exec.Evaluator{Config: e.Config, Loader: e.Loader, Environment: &exec.Environment{
		Context: ctx, Filters: e.Environment.Filters, Tests: e.Environment.Tests,
		ControlStructures: e.Environment.ControlStructures, Methods: e.Environment.Methods,
	}}
	return sub.Eval(&nodes.BinaryExpression{Left: nameNode("l", op.Token), Right: nameNode("r", op.Token), Operator: op})
}

func nameNode(name string, at *tokens.Token) *nodes.Name {
	t := *at
	t.Type, t.Val = tokens.Name, name
	return &nodes.Name{Name: &t}
}

// rewriter walks a parsed template with reflection, so it reaches the
// expressions of every control structure, including unexported fields.
type rewriter struct {
	b    *budget
	seen map[uintptr]bool
}

func (b *budget) rewrite(root *nodes.Template) {
	w := &rewriter{b: b, seen: map[uintptr]bool{}}
	w.walk(reflect.ValueOf(&root).Elem())
}

var (
	typeToken   = reflect.TypeFor[tokens.Token]()
	typeOutput  = reflect.TypeFor[nodes.Output]()
	typeFor     = reflect.TypeFor[controlStructures.ForControlStructure]()
	typeDictLit = reflect.TypeFor[nodes.Dict]()
	typeTest    = reflect.TypeFor[nodes.TestExpression]()
	typeTestArg = reflect.TypeFor[nodes.TestCall]()
	typeWrapper = reflect.TypeFor[nodes.Wrapper]()
	typeCall    = reflect.TypeFor[nodes.Call]()
)

// gonjaType reports whether t is one of gonja's types, the only ones an
// AST holds expressions in.
func gonjaType(t reflect.Type) bool {
	return strings.HasPrefix(t.PkgPath(), "github.com/nikolalohinski/gonja/")
}

// walk visits v, which must be settable, children first.
func (w *rewriter) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		elem := reflect.New(v.Elem().Type()).Elem()
		elem.Set(v.Elem())
		w.walk(elem)
		if bin, ok := elem.Interface().(*nodes.BinaryExpression); ok && !isLazy(bin) {
			v.Set(reflect.ValueOf(w.operator(bin)))
		}
	case reflect.Pointer:
		if v.IsNil() || v.Type().Elem() == typeToken || !gonjaType(v.Type().Elem()) || w.seen[v.Pointer()] {
			return
		}
		w.seen[v.Pointer()] = true
		w.walk(v.Elem())
		w.after(v)
	case reflect.Struct:
		if !gonjaType(v.Type()) {
			return
		}
		for i := range v.NumField() {
			f := v.Field(i)
			if !f.CanSet() {
				// Unexported fields of gonja's statements (set, with,
				// filter): the only way to reach their expressions.
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			w.walk(f)
		}
	case reflect.Slice:
		for i := range v.Len() {
			w.walk(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			elem := reflect.New(v.Type().Elem()).Elem()
			elem.Set(v.MapIndex(k))
			w.walk(elem)
			v.SetMapIndex(k, elem)
		}
	}
}

func isLazy(bin *nodes.BinaryExpression) bool {
	return bin.Operator == nil || bin.Operator.Token.Type == tokens.And || bin.Operator.Token.Type == tokens.Or
}

// operator turns `a OP b` into `\x00op(a, b, index of OP)`.
func (w *rewriter) operator(bin *nodes.BinaryExpression) nodes.Expression {
	w.b.ops = append(w.b.ops, bin.Operator)
	at := bin.Left.Position()
	index := &nodes.Integer{Location: at, Val: len(w.b.ops) - 1}
	return &nodes.Call{Location: at, Func: nameNode(opFunc, at), Args: []nodes.Expression{bin.Left, bin.Right, index}, Kwargs: map[string]nodes.Expression{}}
}

// after guards the nodes that print, iterate, test or hash a value.
func (w *rewriter) after(p reflect.Value) {
	switch p.Type().Elem() {
	case typeOutput:
		o := p.Interface().(*nodes.Output)
		o.Expression = guard(o.Expression, checkFunc)
		o.Alternative = guard(o.Alternative, checkFunc)
	case typeFor:
		f := p.Interface().(*controlStructures.ForControlStructure)
		f.ObjectEvaluator = guard(f.ObjectEvaluator, iterFunc)
	case typeDictLit:
		for _, pair := range p.Interface().(*nodes.Dict).Pairs {
			pair.Key = guard(pair.Key, checkFunc)
		}
	case typeTest:
		t := p.Interface().(*nodes.TestExpression)
		t.Expression = guard(t.Expression, checkFunc)
	case typeTestArg:
		t := p.Interface().(*nodes.TestCall)
		for i := range t.Args {
			t.Args[i] = guard(t.Args[i], checkFunc)
		}
		for k, a := range t.Kwargs {
			t.Kwargs[k] = guard(a, checkFunc)
		}
	case typeCall:
		// gonja prints the object of a method call into an error message
		// it builds before every call, and copies a list or dict deeply.
		if c := p.Interface().(*nodes.Call); c.Parent != nil {
			c.Parent = guard(c.Parent, checkFunc)
		}
	case typeWrapper:
		wr := p.Interface().(*nodes.Wrapper)
		wr.Nodes = append([]nodes.Node{rendererHook(wr, w.b.chargeWrites)}, wr.Nodes...)
	}
}

func guard(e nodes.Expression, fn string) nodes.Expression {
	if e == nil {
		return nil
	}
	at := e.Position()
	return &nodes.Call{Location: at, Func: nameNode(fn, at), Args: []nodes.Expression{e}, Kwargs: map[string]nodes.Expression{}}
}

// privateNames keeps the sandbox's functions out of error messages.
var privateNames = strings.NewReplacer(
	"function '"+opFunc+"'", "operator", "function '"+checkFunc+"'", "value", "function '"+iterFunc+"'", "loop",
	opFunc, "operator", checkFunc, "value", iterFunc, "loop")
