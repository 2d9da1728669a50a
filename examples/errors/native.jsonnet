// canarygen provides no native functions: std.native gives null.
std.native('exec')('id')
