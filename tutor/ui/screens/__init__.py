"""The app's screens: the lesson list, the lesson player and the modal dialogs."""
