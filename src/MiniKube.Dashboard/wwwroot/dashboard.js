// Small helpers the Blazor components call through JS interop.
window.minikube = {
    scrollToEnd: function (element) {
        if (element) {
            element.scrollTop = element.scrollHeight;
        }
    }
};
