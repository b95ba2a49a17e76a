package io.facelive;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The actions of one attempt, in order: drawn by the server (the one that counts) or locally. */
public final class Challenge {
    private final List<Action> actions;

    private Challenge(List<Action> actions) {
        if (actions.isEmpty() || actions.size() > 8) {
            throw new IllegalArgumentException("a challenge has 1 to 8 actions, not " + actions.size());
        }
        this.actions = Collections.unmodifiableList(new ArrayList<>(actions));
    }

    public static Challenge of(Action... actions) {
        return new Challenge(List.of(actions));
    }

    public static Challenge of(List<Action> actions) {
        return new Challenge(actions);
    }

    /** "turn_left,turn_right" (the server's names). */
    public static Challenge parse(String ids) {
        List<Action> out = new ArrayList<>();
        for (String id : ids.split(",")) {
            out.add(Action.fromId(id.trim()));
        }
        return new Challenge(out);
    }

    /** n actions drawn by the library from the operating system's random source (no immediate repeats). */
    public static Challenge random(int n) {
        List<Action> out = new ArrayList<>();
        for (int a : Native.challengeRandom(n)) {
            out.add(Action.values()[a]);
        }
        return new Challenge(out);
    }

    public List<Action> actions() {
        return actions;
    }

    int[] codes() {
        int[] c = new int[actions.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = actions.get(i).ordinal();
        }
        return c;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Action a : actions) {
            b.append(b.length() == 0 ? "" : ",").append(a.id());
        }
        return b.toString();
    }
}
