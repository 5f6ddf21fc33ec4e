// Package strictyaml decodes YAML into Kubernetes API types as strictly as
// the API server's own field validation does.
package strictyaml

import (
	"errors"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Unmarshal fills obj from one YAML document. A duplicate key, a field obj's
// type does not have, or one spelt with other capitals is an error: plain
// encoding/json (and so yaml.UnmarshalStrict) would take
// readOnlyRootFileSystem for readOnlyRootFilesystem, and an API server
// without strict validation would drop an unknown field without a word.
func Unmarshal(doc []byte, obj any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strictErrs, err := kjson.UnmarshalStrict(j, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}
