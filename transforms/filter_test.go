package transforms

import (
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestFilterDropsEveryRecord(t *testing.T) {
	for _, name := range []string{"Filter", "org.apache.kafka.connect.transforms.Filter"} {
		x := mustConfiguredTransform(t, name, map[string]string{"unrelated": "ignored"})
		for _, r := range []*connect.Record{{Topic: "t", Value: "v"}, {Topic: "t"}} {
			out, err := x.Apply(r)
			if out != nil || err != nil {
				t.Errorf("%s: Apply = %v, %v; want nil, nil", name, out, err)
			}
		}
	}
}
