package runtime

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// The converter keys of worker and connector configs.
const (
	KeyConverterKey    = "key.converter"
	ValueConverterKey  = "value.converter"
	HeaderConverterKey = "header.converter"
)

// Default converters, when neither the worker nor the connector names
// one: JSON for keys and values, as recent Kafka Connect versions default
// to, and the simple header converter.
const (
	DefaultConverter       = "org.apache.kafka.connect.json.JsonConverter"
	DefaultHeaderConverter = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
)

// Converters are a task's configured converters, with the names they were
// configured under (for errors and the dead letter queue's class.name).
type Converters struct {
	Key, Value                     connect.Converter
	Header                         connect.HeaderConverter
	KeyName, ValueName, HeaderName string
}

// BuildConverters configures a task's converters the way Kafka Connect
// does: a converter the connector config names (key.converter=...) is
// configured with the connector's key.converter.* keys; otherwise the
// worker's converter is used with the worker's key.converter.* keys. The
// error names the key whose value is wrong.
func BuildConverters(worker, connector map[string]string) (Converters, error) {
	var c Converters
	errs := &config.Errors{}
	pick := func(key, def string) (name string, props map[string]string) {
		for _, src := range []map[string]string{connector, worker} {
			if n := strings.TrimSpace(src[key]); n != "" {
				return n, config.WithPrefix(src, key+".")
			}
		}
		return def, config.WithPrefix(worker, key+".")
	}
	var err error
	for _, side := range []struct {
		key   string
		isKey bool
		conv  *connect.Converter
		name  *string
	}{{KeyConverterKey, true, &c.Key, &c.KeyName}, {ValueConverterKey, false, &c.Value, &c.ValueName}} {
		name, props := pick(side.key, DefaultConverter)
		*side.name = name
		if *side.conv, err = connect.NewConverter(name); err != nil {
			errs.Add(side.key, fmt.Sprintf("Invalid value %s for configuration %s: %v", name, side.key, err))
			continue
		}
		if err := (*side.conv).Configure(props, side.isKey); err != nil {
			errs.Add(side.key, fmt.Sprintf("%s %s: %v", side.key, name, err))
		}
	}
	name, props := pick(HeaderConverterKey, DefaultHeaderConverter)
	c.HeaderName = name
	if c.Header, err = connect.NewHeaderConverter(name); err != nil {
		errs.Add(HeaderConverterKey, fmt.Sprintf("Invalid value %s for configuration %s: %v", name, HeaderConverterKey, err))
	} else if err := c.Header.ConfigureHeader(props); err != nil {
		errs.Add(HeaderConverterKey, fmt.Sprintf("%s %s: %v", HeaderConverterKey, name, err))
	}
	if err := errs.Err(); err != nil {
		return Converters{}, err
	}
	return c, nil
}
