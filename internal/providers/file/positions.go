package file

import (
	"path/filepath"
	"slices"
	"strconv"

	yaml "go.yaml.in/yaml/v4"

	"github.com/graylane/graylane/model"
)

// tree walks the YAML node tree alongside the decoded document, to give
// each model object the file and line it was written at.
type tree struct {
	file *lines
	node *yaml.Node
	line int // position used when node is absent
}

// newTree is the tree of a file's document.
func newTree(file string, root *yaml.Node) tree {
	return tree{file: &lines{name: file}, node: root, line: root.Line}
}

func (t tree) pos(line int) string { return t.file.pos(line) }

// lines makes each "file:line" position of a file once: a line holds
// several fields, and an object's position is also where its parent
// places it.
type lines struct {
	name string
	at   []string // by line
}

func (l *lines) pos(line int) string {
	if line < 0 || line > maxLines {
		return l.name + ":" + strconv.Itoa(line)
	}
	if line >= len(l.at) {
		l.at = append(l.at, make([]string, line+1-len(l.at))...)
	}
	if l.at[line] == "" {
		l.at[line] = l.name + ":" + strconv.Itoa(line)
	}
	return l.at[line]
}

// maxLines bounds the positions kept, a million lines: a configuration
// of 10,000 services has about 300,000.
const maxLines = 1 << 20

// key returns the value of a mapping key, or an empty tree at t's line.
func (t tree) key(name string) tree {
	if t.node != nil && t.node.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(t.node.Content); i += 2 {
			if t.node.Content[i].Value == name {
				return tree{file: t.file, node: t.node.Content[i+1], line: t.node.Content[i].Line}
			}
		}
	}
	return tree{file: t.file, line: t.lineOf()}
}

// item returns the i-th element of a sequence.
func (t tree) item(i int) tree {
	if t.node != nil && t.node.Kind == yaml.SequenceNode && i < len(t.node.Content) {
		return tree{file: t.file, node: t.node.Content[i], line: t.node.Content[i].Line}
	}
	return tree{file: t.file, line: t.lineOf()}
}

func (t tree) lineOf() int {
	if t.node != nil {
		return t.node.Line
	}
	return t.line
}

// origin is the object's own position with the position of every field
// below it, but for the items of the lists at the paths own: those are
// objects with origins of their own (a service's versions, a version's
// endpoints), and their origin keeps only where each item is. Without
// this, each field of an endpoint would be written in the origins of the
// endpoint, its version and its service.
func (t tree) origin(own ...string) model.Origin {
	fields := map[string]string{}
	t.collect("", fields, own)
	return model.NewOrigin(t.pos(t.lineOf()), fields)
}

// topOrigin is the object's position with its own keys' positions only,
// for the top level: the lanes, services and gateways below have origins
// of their own.
func (t tree) topOrigin() model.Origin {
	fields := map[string]string{}
	if t.node != nil && t.node.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(t.node.Content); i += 2 {
			fields[t.node.Content[i].Value] = t.pos(t.node.Content[i].Line)
		}
	}
	return model.NewOrigin(t.pos(t.lineOf()), fields)
}

func (t tree) collect(prefix string, fields map[string]string, own []string) {
	if t.node == nil {
		return
	}
	switch t.node.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(t.node.Content); i += 2 {
			path := join(prefix, t.node.Content[i].Value)
			fields[path] = t.pos(t.node.Content[i].Line)
			tree{file: t.file, node: t.node.Content[i+1]}.collect(path, fields, own)
		}
	case yaml.SequenceNode:
		below := !slices.Contains(own, prefix)
		for i, item := range t.node.Content {
			path := prefix + "[" + strconv.Itoa(i) + "]"
			fields[path] = t.pos(item.Line)
			if below {
				tree{file: t.file, node: item}.collect(path, fields, own)
			}
		}
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// relative resolves a path written in the file against the file's folder.
func (t tree) relative(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(t.file.name), path)
}
