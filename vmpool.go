package canarygen

import (
	"sync"

	"github.com/google/go-jsonnet"

	"github.com/canarygen/canarygen/internal/jsonnetvm"
)

// The library VMs of the process, free for any renderer to take: a VM
// keeps the parsed library and the templates of the dashboard and the
// rules between calls, so a process that renders many times (gen's jobs,
// each its own renderer) parses the library and makes the templates once
// per VM, not once per render. A VM serves one call at a time; one still
// busy past a timeout is never given back.
var libVMs = struct {
	sync.Mutex
	free map[int][]*jsonnet.VM // by MaxStack
}{free: map[int][]*jsonnet.VM{}}

func takeLibVM(maxStack int) *jsonnet.VM {
	libVMs.Lock()
	defer libVMs.Unlock()
	if vms := libVMs.free[maxStack]; len(vms) > 0 {
		vm := vms[len(vms)-1]
		libVMs.free[maxStack] = vms[:len(vms)-1]
		return vm
	}
	return jsonnetvm.Library(maxStack)
}

func giveLibVM(maxStack int, vm *jsonnet.VM) {
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
