package canarygen

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"

	"github.com/canarygen/canarygen/internal/jsonnetvm"
)

// libVM is a VM for library calls. Its native function
// canarygen.result takes a render call's result as the Go values
// go-jsonnet manifests it into, without the JSON text in between (the
// render call's program, in library.go, is canarygen's own: the library
// never calls it).
type libVM struct {
	*jsonnet.VM
	result any
}

func newLibVM(maxStack int) *libVM {
	lv := &libVM{VM: jsonnetvm.Library(maxStack)}
	lv.NativeFunction(&jsonnet.NativeFunction{
		Name:   "canarygen.result",
		Params: ast.Identifiers{"value"},
		Func: func(args []any) (any, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("canarygen.result: want one argument, got %d", len(args))
			}
			lv.result = args[0]
			return true, nil
		},
	})
	return lv
}

// takeResult gives the value the last call passed to canarygen.result,
// with numbers as json.Number in the text go-jsonnet writes them as (what
// the JSON output would have held).
func (lv *libVM) takeResult() any {
	v := lv.result
	lv.result = nil
	return withNumbers(v)
}

func withNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = withNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = withNumbers(e)
		}
	case float64:
		return jsonNumber(x)
	}
	return v
}

// jsonNumber is a number as go-jsonnet's JSON output writes it
// (unparseNumber).
func jsonNumber(f float64) any {
	if f == math.Floor(f) {
		return json.Number(fmt.Sprintf("%.0f", f))
	}
	return json.Number(fmt.Sprintf("%.17g", f))
}

// The library VMs of the process, free for any renderer to take: a VM
// keeps the parsed library and the templates of the dashboard and the
// rules between calls, so a process that renders many times (gen's jobs,
// each its own renderer) parses the library and makes the templates once
// per VM, not once per render. A VM serves one call at a time; one still
// busy past a timeout is never given back.
var libVMs = struct {
	sync.Mutex
	free map[int][]*libVM // by MaxStack
}{free: map[int][]*libVM{}}

func takeLibVM(maxStack int) *libVM {
	libVMs.Lock()
	defer libVMs.Unlock()
	if vms := libVMs.free[maxStack]; len(vms) > 0 {
		vm := vms[len(vms)-1]
		libVMs.free[maxStack] = vms[:len(vms)-1]
		return vm
	}
	return newLibVM(maxStack)
}

func giveLibVM(maxStack int, vm *libVM) {
	vm.result = nil
	libVMs.Lock()
	libVMs.free[maxStack] = append(libVMs.free[maxStack], vm)
	libVMs.Unlock()
}

// releaseVMs gives the renderer's VMs back for the next render.
func (r *Renderer) releaseVMs() {
	for _, vm := range r.vms {
		if vm != nil {
			giveLibVM(r.opts.Jsonnet.MaxStack, vm)
		}
	}
	r.vms = nil
}
