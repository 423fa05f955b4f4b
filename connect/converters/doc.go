// Package converters holds Sluice's converters: the plugins that turn a
// record's key, value and headers into the bytes stored in Kafka and
// back, byte-compatible with Apache Kafka Connect's own converters, so
// that Sluice and Kafka Connect workers (and the tools around them) can
// read each other's topics.
//
// Where converters sit in the flow of a record: a source task's records
// pass through the transformation chain, then the key converter, the
// value converter and the header converter turn them into bytes
// (connect.Converter.FromConnectData, connect.HeaderConverter
// .FromConnectHeader) for the producer. A sink runs the other way: the
// consumer's bytes are turned back into schemas and values
// (ToConnectData, ToConnectHeader) before the transformations and
// SinkTask.Put. A failure to convert one record is an error matching
// connect.ErrData, which the runtime handles under errors.tolerance.
//
// The converters register themselves, with Kafka Connect's class names as
// aliases, so a worker or connector config written for Kafka Connect
// works unchanged:
//
//	json       org.apache.kafka.connect.json.JsonConverter               JSONConverter
//	string     org.apache.kafka.connect.storage.StringConverter          StringConverter
//	bytearray  org.apache.kafka.connect.converters.ByteArrayConverter    ByteArrayConverter
//	short      org.apache.kafka.connect.converters.ShortConverter        NumberConverter
//	integer    org.apache.kafka.connect.converters.IntegerConverter      NumberConverter
//	long       org.apache.kafka.connect.converters.LongConverter         NumberConverter
//	float      org.apache.kafka.connect.converters.FloatConverter        NumberConverter
//	double     org.apache.kafka.connect.converters.DoubleConverter       NumberConverter
//	boolean    org.apache.kafka.connect.converters.BooleanConverter      BooleanConverter
//	simple     org.apache.kafka.connect.storage.SimpleHeaderConverter    SimpleHeaderConverter (headers only)
//
// All but "simple" are also header converters, as in Kafka Connect.
//
// # JSON format
//
// JSONConverter writes what Kafka Connect's JsonConverter writes, to the
// byte: the same envelope, schema field names and order, type names
// ("float" and "double" for FLOAT32 and FLOAT64), logical types (Decimal
// as base64 of its two's-complement unscaled bytes, or a number with
// decimal.format=NUMERIC; Date as int32 days, Time as int32 milliseconds,
// Timestamp as int64 milliseconds), maps with string keys as objects and
// others as [key,value] pairs, bytes as base64, floats as Java prints
// them ("1.0", "1.0E10"; NaN and infinities as "NaN", "Infinity" and
// "-Infinity" strings), strings escaped as Jackson escapes them, and no
// white space. The testdata directory holds golden files taken from
// Kafka's tests.
//
// Deliberate differences from Kafka Connect, each where Kafka's behaviour
// is unspecified or loses data:
//
//   - Map entries, and schema parameters after "scale", are written in
//     sorted key order, so that the same map always gives the same bytes;
//     Kafka writes them in hash or insertion order.
//   - Floats follow the JDK 19+ Double.toString, the shortest form that
//     reads back; older JDKs occasionally print a longer one.
//   - Reading is strict where Kafka silently coerces: a string where a
//     number is expected, a number that does not fit an INT8, a fraction
//     for an integer, a number out of a double's range, invalid UTF-8 or
//     trailing data after the JSON value are data errors (Kafka reads
//     them as 0, wraps them, truncates, reads infinity or ignores them).
//   - A NUMERIC decimal is rescaled to its schema's scale when that loses
//     no digits (Kafka keeps the number's own scale, which it then cannot
//     write back as BASE64); one that would lose digits is a data error.
//   - Empty bytes read as a tombstone even with schemas.enable=true
//     (Kafka reports that they are not an envelope).
//   - A schemaless integer too large for an int64 reads as a float64
//     (Kafka keeps its low 64 bits).
//   - For FLOAT32 and FLOAT64 schemas the strings "NaN", "Infinity" and
//     "-Infinity", which Jackson writes for those values, read back as
//     them (Kafka reads them as 0.0).
//   - Go strings that are not valid UTF-8 are written with U+FFFD in
//     place of the bad bytes (Java strings cannot hold such bytes).
//
// StringConverter writes Java's toString of a value (JavaString) and
// supports the character sets UTF-8, UTF-16 (with Java's aliases),
// US-ASCII and ISO-8859-1. SimpleHeaderConverter implements a documented
// subset of Kafka's Values.parseString schema inference (see
// ParseHeaderValue).
package converters
