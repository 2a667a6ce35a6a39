/** The seed tutorial's programs, in Java. */
module dev.kiln.samples {
    requires dev.kiln.cpu;
}
