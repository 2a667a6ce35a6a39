package usercode;

import java.io.IOException;

/** What the {@code @Model} processor would generate for {@link CauseChainTest.Broken}: its constructor fails. */
public final class CauseChainTest_BrokenModel extends CauseChainTest.Broken {
    private CauseChainTest_BrokenModel() throws IOException {
    }

    /** Fails as the user's constructor does. */
    public static CauseChainTest.Broken create() throws IOException {
        return new CauseChainTest_BrokenModel();
    }
}
