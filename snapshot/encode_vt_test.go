//go:build vtprotobuf

package snapshot

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoregistry"
)

// TestEveryKindHasAGeneratedEncoder wants every kind's resources, in a
// build with the vtprotobuf tag (as make builds Graylane), to be encoded
// by their generated encoders rather than by protobuf-go's.
func TestEveryKindHasAGeneratedEncoder(t *testing.T) {
	for _, k := range allKinds {
		mt, err := protoregistry.GlobalTypes.FindMessageByURL(k.URL)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := mt.New().Interface().(vtMarshaler); !ok {
			t.Errorf("%s (%s) has no generated encoder", k.Noun, k.URL)
		}
	}
}
