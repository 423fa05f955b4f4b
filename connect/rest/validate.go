package rest

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/transforms"
)

// nullValueMessage is Kafka Connect's error for a key given a JSON null.
const nullValueMessage = "Null value can not be supplied as the configuration value."

// converterPrefixes are the config prefixes of the three converters,
// each with the key that names it and the kind it is.
var converterPrefixes = []struct {
	key  string
	kind connect.Kind
}{
	{KeyConverterKey, connect.KindConverter},
	{ValueConverterKey, connect.KindConverter},
	{HeaderConverterKey, connect.KindHeaderConverter},
}

// ValidateConnectorConfig validates a connector config as PUT
// /connector-plugins/{plugin}/config/validate does, and as the API does
// before it lets the Herder write a config: against the framework's keys
// (ConnectorConfigDef), the transformation chain (transforms.ChainDef and
// transforms.ValidateChain), the keys of each converter the config names
// (key.converter.*, value.converter.*, header.converter.*), the
// connector's own Def and, if the connector implements it,
// connect.ConfigValidator. For a sink it also checks topics and
// topics.regex as Kafka Connect does (exactly one set, neither holding
// the dead letter queue topic).
//
// It reports every problem of every key in the result (ErrorCount > 0);
// its error is a *BadRequestError only when the config names no
// connector.class, or one that is not registered, since then there is
// nothing to validate against. Passwords show as [hidden] in the result.
func ValidateConnectorConfig(props map[string]string) (ConfigInfos, error) {
	return validateConnectorConfig(props, nil)
}

// validateConnectorConfig is ValidateConnectorConfig for a config whose
// nullKeys were given as JSON nulls (and are absent from props).
func validateConnectorConfig(props map[string]string, nullKeys []string) (ConfigInfos, error) {
	class, ok := props[ConnectorClassKey]
	if !ok {
		return ConfigInfos{}, BadRequest("Connector config contains no connector type")
	}
	plugin, ok := lookupConnector(class)
	if !ok {
		return ConfigInfos{}, BadRequest("Failed to find any class that implements Connector and which name matches %s, available connectors are: %s",
			strings.TrimSpace(class), pluginNames(connectorKinds...))
	}

	r := newValidation(props)
	base := append(commonKeys(), dlqKeys()...)
	switch plugin.Kind {
	case connect.KindSink:
		base = append(base, sinkKeys()...)
	case connect.KindSource:
		base = append(base, sourceKeys()...)
	}
	r.checkKeys(base)

	// The chain: its keys, with the problems ValidateChain finds (which
	// include those of each alias's type and plugin keys).
	r.defineKeys(transforms.ChainDef(props).Keys())
	if errs := transforms.ValidateChain(props); errs != nil {
		r.addErrors(errs)
	}

	// Each converter the config names brings its keys under its prefix.
	for _, c := range converterPrefixes {
		p, ok := connect.Lookup(c.kind, props[c.key])
		if !ok {
			continue
		}
		r.checkKeys(prefixed(c.key+".", p.ConfigDef().Keys()))
	}

	// The connector's own keys take the place of framework keys of the
	// same name, as in Kafka Connect.
	inst := plugin.New()
	if c, ok := inst.(connect.Configurable); ok {
		r.checkKeys(c.ConfigDef().Keys())
	}
	if v, ok := inst.(connect.ConfigValidator); ok {
		if errs := v.ValidateConfig(props); errs != nil {
			r.addErrors(errs)
		}
	}

	if plugin.Kind == connect.KindSink {
		r.checkSinkTopics()
	}
	if plugin.Kind == connect.KindSource && strings.EqualFold(strings.TrimSpace(props[TransactionBoundaryKey]), "connector") {
		if d, ok := inst.(connect.TransactionBoundaryDefiner); !ok || !d.CanDefineTransactionBoundaries(props) {
			r.addError(TransactionBoundaryKey, "The connector does not define its own transaction boundaries with this "+
				"configuration; use transaction.boundary=poll or interval")
		}
	}
	for _, k := range nullKeys {
		r.addError(k, nullValueMessage)
	}
	return r.result(class), nil
}

// prefixed returns the keys renamed under prefix.
func prefixed(prefix string, keys []config.Key) []config.Key {
	out := make([]config.Key, len(keys))
	for i, k := range keys {
		k.Name = prefix + k.Name
		k.Dependents = slices.Clone(k.Dependents)
		for j, d := range k.Dependents {
			k.Dependents[j] = prefix + d
		}
		out[i] = k
	}
	return out
}

// validation accumulates the keys and the problems of one validation.
type validation struct {
	props map[string]string
	// order holds the defined keys' names in the order they appear.
	order []string
	keys  map[string]config.Key
	errs  map[string][]string
}

func newValidation(props map[string]string) *validation {
	return &validation{props: props, keys: map[string]config.Key{}, errs: map[string][]string{}}
}

// defineKeys adds keys to the result without checking them. A key
// defined twice keeps its first place and takes its last definition.
func (r *validation) defineKeys(keys []config.Key) {
	for _, k := range keys {
		if _, dup := r.keys[k.Name]; !dup {
			r.order = append(r.order, k.Name)
		}
		r.keys[k.Name] = k
		// A redefinition replaces the problems found under the old one.
		delete(r.errs, k.Name)
	}
}

// checkKeys defines keys and records the problems their Defs find.
func (r *validation) checkKeys(keys []config.Key) {
	r.defineKeys(keys)
	if _, err := config.NewDef(keys...).Parse(r.props); err != nil {
		var errs *config.Errors
		if !errors.As(err, &errs) {
			// Def.Parse returns *config.Errors only; anything else is a
			// bug worth seeing rather than hiding.
			panic(fmt.Sprintf("rest: config.Def.Parse returned %T", err))
		}
		r.addErrors(errs)
	}
}

func (r *validation) addErrors(errs *config.Errors) {
	for _, k := range errs.Keys() {
		for _, m := range errs.For(k) {
			r.addError(k, m)
		}
	}
}

func (r *validation) addError(key, msg string) {
	if !slices.Contains(r.errs[key], msg) {
		r.errs[key] = append(r.errs[key], msg)
	}
}

// checkSinkTopics applies Kafka Connect's SinkConnectorConfig.validate.
func (r *validation) checkSinkTopics() {
	topics := config.SplitList(r.props[TopicsKey])
	regex := strings.TrimSpace(r.props[TopicsRegexKey])
	hasTopics, hasRegex := len(topics) > 0, regex != ""
	both := func(msg string) {
		r.addError(TopicsKey, msg)
		r.addError(TopicsRegexKey, msg)
	}
	switch {
	case hasTopics && hasRegex:
		both(TopicsKey + " and " + TopicsRegexKey + " are mutually exclusive options, but both are set.")
	case !hasTopics && !hasRegex:
		both("Must configure one of " + TopicsKey + " or " + TopicsRegexKey)
	}
	dlq := strings.TrimSpace(r.props[DLQTopicNameKey])
	if dlq == "" {
		return
	}
	if slices.Contains(topics, dlq) {
		r.addError(TopicsKey, fmt.Sprintf("The DLQ topic '%s' may not be included in the list of topics ('%s=[%s]') consumed by the connector",
			dlq, TopicsKey, strings.Join(topics, ", ")))
	}
	if hasRegex {
		if re, err := regexp.Compile(`^(?:` + regex + `)$`); err == nil && re.MatchString(dlq) {
			r.addError(TopicsRegexKey, fmt.Sprintf("The DLQ topic '%s' may not be included in the regex matching the topics ('%s=%s') consumed by the connector",
				dlq, TopicsRegexKey, regex))
		}
	}
}

// result builds the ConfigInfos: first the problems of keys no Def
// defines (without a definition), then every defined key in order.
func (r *validation) result(class string) ConfigInfos {
	out := ConfigInfos{Name: class, Groups: []string{}, Configs: []ConfigInfo{}}
	var undefined []string
	for k := range r.errs {
		if _, ok := r.keys[k]; !ok {
			undefined = append(undefined, k)
		}
	}
	sort.Strings(undefined)
	for _, name := range undefined {
		var value *string
		if v, ok := r.props[name]; ok {
			value = &v
		}
		out.Configs = append(out.Configs, ConfigInfo{Value: r.valueInfo(name, value)})
		out.ErrorCount += len(r.errs[name])
	}

	keys := make([]config.Key, len(r.order))
	for i, name := range r.order {
		keys[i] = r.keys[name]
	}
	infos := keyInfos(keys)
	for i, k := range keys {
		def := infos[i]
		out.Configs = append(out.Configs, ConfigInfo{Definition: &def, Value: r.valueInfo(k.Name, parsedValue(k, r.props))})
		out.ErrorCount += len(r.errs[k.Name])
		if k.Group != "" && !slices.Contains(out.Groups, k.Group) {
			out.Groups = append(out.Groups, k.Group)
		}
	}
	return out
}

func (r *validation) valueInfo(name string, value *string) *ConfigValueInfo {
	errs := r.errs[name]
	if errs == nil {
		errs = []string{}
	}
	return &ConfigValueInfo{Name: name, Value: value, RecommendedValues: []string{}, Errors: errs, Visible: true}
}

// parsedValue returns a key's value as its Def parses it, in the user's
// syntax: the default when the key is absent, nil when it is null or does
// not parse. A value that parses but fails a validator is still shown, as
// Kafka Connect shows it. Passwords render as [hidden].
func parsedValue(k config.Key, props map[string]string) *string {
	k.Validators = nil
	if k.Required {
		k.Required, k.Default = false, nil
	}
	v, err := config.NewDef(k).Parse(props)
	if err != nil || !v.IsSet(k.Name) {
		return nil
	}
	var x any
	switch k.Type {
	case config.Boolean:
		x = v.Bool(k.Name)
	case config.String, config.Class:
		x = v.String(k.Name)
	case config.Int:
		x = v.Int(k.Name)
	case config.Long:
		x = v.Long(k.Name)
	case config.Double:
		x = v.Double(k.Name)
	case config.List:
		x = v.List(k.Name)
	case config.Password:
		x = v.Password(k.Name)
	case config.Duration:
		x = v.Duration(k.Name)
	}
	s := config.Format(x)
	return &s
}

// keyInfos describes keys as Kafka Connect's ConfigKeyInfo does, with
// each key's 1-based order within its group.
func keyInfos(keys []config.Key) []ConfigKeyInfo {
	inGroup := map[string]int{}
	out := make([]ConfigKeyInfo, len(keys))
	for i, k := range keys {
		info := ConfigKeyInfo{
			Name:          k.Name,
			Type:          k.Type.String(),
			Required:      k.Required,
			Importance:    k.Importance.String(),
			Documentation: k.Doc,
			Order:         -1,
			Width:         "NONE",
			DisplayName:   k.DisplayName,
			Dependents:    slices.Clone(k.Dependents),
		}
		if !k.Required && k.Default != nil {
			d := config.Format(k.Default)
			info.DefaultValue = &d
		}
		if k.Group != "" {
			g := k.Group
			info.Group = &g
			inGroup[g]++
			info.Order = inGroup[g]
		}
		if info.DisplayName == "" {
			info.DisplayName = k.Name
		}
		if info.Dependents == nil {
			info.Dependents = []string{}
		}
		out[i] = info
	}
	return out
}

// errorMessages lists the problems of a validation, each naming its key,
// in the order of the result.
func errorMessages(infos ConfigInfos) []string {
	var msgs []string
	for _, c := range infos.Configs {
		if c.Value == nil {
			continue
		}
		for _, m := range c.Value.Errors {
			msgs = append(msgs, namingKey(c.Value.Name, m))
		}
	}
	return msgs
}

// checkConnectorConfig validates a config about to be written and
// returns a *BadRequestError listing every problem, or nil.
func checkConnectorConfig(props map[string]string, nullKeys []string) error {
	infos, err := validateConnectorConfig(props, nullKeys)
	if err != nil {
		return err
	}
	if infos.ErrorCount > 0 {
		return &BadRequestError{Message: invalidConfigMessage(errorMessages(infos))}
	}
	return nil
}
