package snapshot

import "unique"

// Intern replaces each name with its one interned copy. Every client of a
// role asks for the same resource names, and the xDS server keeps what
// each asks for for as long as its stream lasts; names decoded from each
// request would otherwise be a copy per client. A Cache holds on to the
// interned name of every resource it serves, so that the copy lasts, and
// clients that connect at different times share it too; any other name
// is shared only while something holds it.
func Intern(names []string) {
	for i, n := range names {
		names[i] = unique.Make(n).Value()
	}
}

// InternVersions returns versions with its names interned.
func InternVersions(versions map[string]string) map[string]string {
	if len(versions) == 0 {
		return versions
	}
	out := make(map[string]string, len(versions))
	for n, v := range versions {
		out[unique.Make(n).Value()] = v
	}
	return out
}
