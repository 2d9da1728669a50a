package canarygen

import "github.com/canarygen/canarygen/internal/manifest"

// FleetDashboard is the library's fleet dashboard (canarygen.fleetDashboard):
// one ConfigMap whose Grafana dashboard picks any canary by namespace and
// workload, for repositories with many canaries, rendered without a
// dashboard each. params are canarygen.new's options; the track label, the
// suffix and the dashboard options apply.
func FleetDashboard(params map[string]any) (Object, error) {
	if params == nil {
		params = map[string]any{}
	}
	vm := takeLibVM(0)
	out, err := call(vm.VM, "fleet", fleetCall, JsonnetOptions{}, arg("params", params))
	giveLibVM(0, vm)
	if err != nil {
		return nil, libraryError("", err)
	}
	var o Object
	if err := manifest.DecodeJSON(out, &o); err != nil {
		return nil, err
	}
	return o, nil
}
