// k8s-validate reads rendered Kubernetes manifests (multi-document YAML) on stdin and decodes each object
// strictly into the Go types of k8s.io/api, as an API server would before admission: an unknown or
// misspelled field, a duplicate field or a value of the wrong type is an error. It needs no cluster, so the
// tests can check `helm template` output here. Kinds the scheme does not know (CRDs such as ServiceMonitor)
// are reported as "unknown" for the caller to check by other means. Output: one JSON line per object.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

type result struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Status string `json:"status"` // ok, invalid, unknown
	Error  string `json:"error,omitempty"`
}

func main() {
	decoder := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	out := json.NewEncoder(os.Stdout)
	invalid := 0
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "k8s-validate:", err)
			os.Exit(2)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			fmt.Fprintln(os.Stderr, "k8s-validate:", err)
			os.Exit(2)
		}
		if string(js) == "null" {
			continue
		}
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		_ = json.Unmarshal(js, &meta)
		r := result{Kind: meta.Kind, Name: meta.Metadata.Name, Status: "ok"}
		if _, _, err := decoder.Decode(js, nil, nil); err != nil {
			if runtime.IsNotRegisteredError(err) {
				r.Status = "unknown"
			} else {
				r.Status, r.Error = "invalid", err.Error()
				invalid++
			}
		}
		_ = out.Encode(r)
	}
	if invalid > 0 {
		os.Exit(1)
	}
}
