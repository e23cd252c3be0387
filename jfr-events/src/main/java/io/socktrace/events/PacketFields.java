package io.socktrace.events;

/**
 * The fields of {@link EventNames#PACKET}, the event the correlator writes for each captured TCP
 * packet ({@code correlate --jfr-out}): declared here with the agent's events so the one file
 * that holds both reads as one schema; the correlator's writer takes every name from here and
 * its test checks the written event has exactly these fields. Its implicit {@code startTime} is
 * JFR's own.
 */
public final class PacketFields {

    /** Shared with the agent's events: the socket the packet belongs to. */
    public static final String CONNECTION_ID = EventFields.CONNECTION_ID;
    public static final String DIRECTION = "direction";
    public static final String SOURCE_ADDRESS = "sourceAddress";
    public static final String SOURCE_PORT = "sourcePort";
    public static final String DESTINATION_ADDRESS = "destinationAddress";
    public static final String DESTINATION_PORT = "destinationPort";
    public static final String FLAGS = "flags";
    public static final String SEQUENCE = "sequence";
    public static final String ACKNOWLEDGEMENT = "acknowledgement";
    public static final String WINDOW = "window";
    public static final String WINDOW_SCALED = "windowScaled";
    public static final String PAYLOAD_LENGTH = "payloadLength";
    public static final String ZERO_WINDOW = "zeroWindow";
    public static final String RETRANSMISSION = "retransmission";
    public static final String JAVA_EVENT = "javaEvent";
    public static final String FINDING = "finding";
    public static final String PEER_CONNECTION_ID = "peerConnectionId";
    public static final String PEER_JAVA_EVENT = "peerJavaEvent";
    public static final String FRAME_NUMBER = "frameNumber";
    public static final String CAPTURE_TIME = "captureTime";

    private PacketFields() {
    }
}
