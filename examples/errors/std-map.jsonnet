// A mistake in a function the standard library calls: the trace names this
// file's frames, not std.map's.
local containers = [{ image: 'registry.example.com/web:1.0' }];
std.map(function(c) c.name, containers)
