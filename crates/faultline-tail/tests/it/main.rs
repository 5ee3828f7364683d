mod rotation;
