package io.facelive;

/** The actions a challenge asks for, in the library's order (fl_action). */
public enum Action {
    BLINK, OPEN_MOUTH, TURN_LEFT, TURN_RIGHT, HEAD_UP, HEAD_DOWN, NOD, SHAKE;

    /** The library's and the server's name: "turn_left". */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Action fromId(String id) {
        for (Action a : values()) {
            if (a.id().equals(id)) {
                return a;
            }
        }
        throw new IllegalArgumentException("not an action: '" + id + "'");
    }
}
