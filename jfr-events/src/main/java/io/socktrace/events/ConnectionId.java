package io.socktrace.events;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MetadataDefinition;
import jdk.jfr.Name;
import jdk.jfr.Relational;

/**
 * Marks a field that holds a socktrace connection id. Being {@link Relational}, it lets Mission
 * Control and other JFR tools relate all events of one connection to each other.
 */
@MetadataDefinition
@Relational
@Name(EventNames.CONNECTION_ID_ANNOTATION)
@Label("Connection Id")
@Description("Identifies one socket of this process")
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface ConnectionId {
}
